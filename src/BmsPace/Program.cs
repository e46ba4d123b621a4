using BmsPace.Cli;
using BmsPace.Hosting;

NativeHeap.ReturnLargeBlocksToTheSystem();
return await BmsPaceCli.InvokeAsync(args);
