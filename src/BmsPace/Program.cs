using BmsPace.Commands;
using BmsPace.Hosting;
using BmsPace.Protocol.Dialects;

// The dialects this process speaks; a host built elsewhere (the tests' made-up dialect) composes its own list here.
BmsDialects.Compose(BmsDialects.BuiltIn);
SocketEvents.HandleOnEventThreads();
NativeHeap.ReturnLargeBlocksToTheSystem();
return await BmsPaceCli.InvokeAsync(args);
