using BmsPace.Cli;

return await BmsPaceCli.InvokeAsync(args);
