using System.Text;
using BmsPace.Protocol.Framing;
using BmsPace.Protocol.Wire;
using BmsPace.Transport;

namespace BmsPace.Tests.Polling;

/// <summary>
/// A transport that answers from a script and records every request: the poller's unit tests check both what it
/// decoded and what it sent. Real links are tested against the simulator over TCP and a pty elsewhere.
/// </summary>
internal sealed class ScriptedTransport : IBmsTransport
{
    private readonly Func<string, string?> _answer;

    public ScriptedTransport(Func<string, string?> answer) => _answer = answer;

    public List<string> Requests { get; } = [];

    public int Resets { get; private set; }

    public string Description => "scripted";

    public Task<byte[]> ExchangeAsync(ReadOnlyMemory<byte> requestBytes, IWireFormat wire, TimeSpan timeout, CancellationToken cancellationToken)
    {
        string request = Encoding.Latin1.GetString(requestBytes.Span);
        Requests.Add(request);
        return _answer(request) is { } response
            ? Task.FromResult(Encoding.Latin1.GetBytes(response))
            : Task.FromException<byte[]>(new TransportException(FrameError.Timeout, "no answer within the timeout") { RequestSent = true });
    }

    public Task ResetAsync(CancellationToken cancellationToken)
    {
        Resets++;
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
