using Microsoft.Extensions.DependencyInjection;
// With no arguments: send sample customers, orders and payments, enrich and match them, print the results, exit. Otherwise: the Faustish CLI (worker, send, agents, tables, table).
return await Faustish.FaustishApp.RunAsync(args.Length > 0 ? args : ["worker", "--exit-when-idle"], app => app.Services.AddSingleton<Faustish.Hosting.IWorkerLifecycle, Orders.SampleOrders>());
