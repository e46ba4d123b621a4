using BmsPace.Commands;
using BmsPace.Hosting;

NativeHeap.ReturnLargeBlocksToTheSystem();
return await BmsPaceCli.InvokeAsync(args);
