using BmsPace.Protocol.Wire;

namespace BmsPace.Transport;

/// <summary>
/// One link to a BMS (serial port, TCP serial server or the in-process simulator). Exactly one exchange is in flight at
/// a time: callers await each exchange before starting the next.
/// </summary>
public interface IBmsTransport : IAsyncDisposable
{
    /// <summary>A readable name for logs ("tcp://10.0.0.5:5000").</summary>
    string Description { get; }

    /// <summary>
    /// Flushes stale input, sends <paramref name="request"/>, and returns the next complete reply frame that
    /// <paramref name="wire"/> cuts (for ASCII, from <c>~</c> to CR, CR included) and that is not an echo of the
    /// request. Opens the link first when it is closed.
    /// </summary>
    /// <exception cref="TransportException">timeout, io, echo (a timeout after an echo) or truncated (a frame started but did not end in time).</exception>
    Task<byte[]> ExchangeAsync(ReadOnlyMemory<byte> request, IWireFormat wire, TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>Closes the link so the next exchange opens it afresh (after repeated failures).</summary>
    Task ResetAsync(CancellationToken cancellationToken);
}
