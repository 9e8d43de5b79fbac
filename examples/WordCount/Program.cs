using Microsoft.Extensions.DependencyInjection;
// With no arguments: send the sample posts, count their words, print the tally, exit. Otherwise: the Faustish CLI (worker, send, agents, tables, table).
return await Faustish.FaustishApp.RunAsync(args.Length > 0 ? args : ["worker", "--exit-when-idle"], app => app.Services.AddSingleton<Faustish.Hosting.IWorkerLifecycle, WordCount.SamplePosts>());
