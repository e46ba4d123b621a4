using BmsPace.Resilience;
using Microsoft.Extensions.Logging;

namespace BmsPace.Transport;

/// <summary>
/// A link to a device served inside this process (the built-in simulator): the same <see cref="StreamTransport"/>
/// reader as serial and TCP over a stream that <paramref name="connect"/> opens, so every fault reaches the real reader.
/// A closed stream is reopened on the next exchange; <paramref name="server"/>, when given, stops with the transport.
/// </summary>
public sealed class InProcessTransport(
    string description,
    Func<Stream> connect,
    IAsyncDisposable? server = null,
    ILoggerFactory? loggers = null,
    BackoffPolicy? reconnect = null)
    : StreamTransport(description, loggers, reconnect ?? new BackoffPolicy(TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(200)), time: null)
{
    protected override Task<Stream> OpenStreamAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        Task.FromResult(connect());

    protected override async ValueTask ReleaseResourcesAsync()
    {
        if (server is not null)
        {
            await server.DisposeAsync();
        }
    }
}
