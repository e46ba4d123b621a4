using BmsPace.Configuration;
using BmsPace.Protocol.Dialects;
using BmsPace.Protocol.Simulation;
using BmsPace.Simulator;
using BmsPace.Transport;
using Microsoft.Extensions.Logging;

namespace BmsPace.Hosting;

/// <summary>Turns a configured connection into its transport: the one place where the simulator meets the transports.</summary>
public static class TransportFactory
{
    /// <summary>
    /// <c>tcp://</c> gives a <see cref="TcpTransport"/>, <c>serial://</c> a <see cref="SerialTransport"/>, <c>simulator</c> an
    /// <see cref="InProcessTransport"/> to its own <see cref="SimulatedBms"/>. Nothing is opened until the first exchange.
    /// </summary>
    /// <exception cref="ArgumentException">The simulator the connection describes cannot be built (e.g. more than 16 packs).</exception>
    public static StreamTransport Create(ConnectionSpec spec, ILoggerFactory loggerFactory) => spec switch
    {
        TcpConnectionSpec tcp => new TcpTransport(tcp.Host, tcp.Port, loggerFactory),
        SerialConnectionSpec serial => new SerialTransport(serial, loggerFactory),
        SimulatorConnectionSpec simulator => CreateSimulated(simulator, loggerFactory),
        _ => throw new ArgumentException($"unknown connection kind {spec.GetType().Name}", nameof(spec)),
    };

    private static InProcessTransport CreateSimulated(SimulatorConnectionSpec spec, ILoggerFactory loggerFactory)
    {
        var link = new SimulatorLink(new SimulatedBms(ToOptions(spec)));
        return new InProcessTransport("simulator", link.Connect, link, loggerFactory);
    }

    /// <summary>The simulated battery a <c>simulator?...</c> connection describes.</summary>
    public static SimulatedBmsOptions ToOptions(SimulatorConnectionSpec spec) => new()
    {
        Packs = spec.Packs,
        Cells = spec.Cells,
        Temperatures = spec.Temperatures,
        TailBytes = spec.TailBytes,
        Seed = spec.Seed,
        Dialect = BmsDialects.TryFind(spec.Protocol, out var dialect) ? dialect : new SimulatedBmsOptions().Dialect,
        Bus = spec.Bus,
    };
}
