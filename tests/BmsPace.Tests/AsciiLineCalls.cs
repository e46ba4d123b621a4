using System.Text;
using BmsPace.Protocol.Wire;
using BmsPace.Simulator;
using BmsPace.Transport;

namespace BmsPace.Tests;

/// <summary>
/// Transports and simulated devices as the tests talk to them: ASCII frames as text. The seam moves bytes cut by a wire
/// format; these only translate (Latin-1 keeps every byte of a test's text as it is).
/// </summary>
internal static class AsciiLineCalls
{
    public static async Task<string> ExchangeAsync(this IBmsTransport transport, string request, TimeSpan timeout, CancellationToken cancellationToken) =>
        Encoding.Latin1.GetString(await transport.ExchangeAsync(Encoding.Latin1.GetBytes(request), AsciiWire.Instance, timeout, cancellationToken));

    public static SimulatorReply Respond(this ISimulatedDevice device, string request) => device.Respond(Encoding.Latin1.GetBytes(request));
}
