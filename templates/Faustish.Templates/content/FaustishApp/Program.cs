using FaustishApp1;
using Faustish.Hosting;
using Microsoft.Extensions.DependencyInjection;

// The Faustish command line for every agent and table of this assembly: `worker` (the default) runs the agents until
// Ctrl+C (or, with --exit-when-idle, until all input is processed); `send`, `table`, `agents`, `tables`: see --help.
// SampleVisits writes sample input at each worker start: drop it once your own producers write the topic.
return await Faustish.FaustishApp.RunAsync(args, app => app.Services.AddSingleton<IWorkerLifecycle, SampleVisits>());
