return await Faustish.FaustishApp.RunAsync(args);
