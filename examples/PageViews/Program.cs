using Microsoft.Extensions.DependencyInjection;
// With no arguments: seed a demo stream, count it, print a summary, exit. Otherwise: the Faustish CLI (worker, send, agents, tables, table).
return await Faustish.FaustishApp.RunAsync(args.Length > 0 ? args : ["worker", "--exit-when-idle"], app => app.Services.AddSingleton<Faustish.Hosting.IWorkerLifecycle, PageViews.DemoSeed>());
