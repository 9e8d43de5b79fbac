using Microsoft.Extensions.DependencyInjection;
// With no arguments: send sample withdrawals, total them per user and per country, print the totals, exit. Otherwise: the Faustish CLI (worker, send, agents, tables, table).
return await Faustish.FaustishApp.RunAsync(args.Length > 0 ? args : ["worker", "--exit-when-idle"], app => app.Services.AddSingleton<Faustish.Hosting.IWorkerLifecycle, Withdrawals.SampleWithdrawals>());
