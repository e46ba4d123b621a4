using BmsPace.Configuration;
using BmsPace.Simulation;
using Microsoft.Extensions.Logging;

namespace BmsPace.Transport;

/// <summary>Turns a configured connection into its transport.</summary>
public static class TransportFactory
{
    /// <summary>
    /// <c>tcp://</c> gives a <see cref="TcpTransport"/>, <c>serial://</c> a <see cref="SerialTransport"/>, <c>simulator</c> a
    /// <see cref="SimulatorTransport"/> with its own <see cref="SimulatedBms"/> (reach it through
    /// <see cref="SimulatorTransport.Simulator"/>). Nothing is opened until the first exchange.
    /// </summary>
    public static IBmsTransport Create(ConnectionSpec spec, ILoggerFactory loggerFactory) => spec switch
    {
        TcpConnectionSpec tcp => new TcpTransport(tcp.Host, tcp.Port, loggerFactory),
        SerialConnectionSpec serial => new SerialTransport(serial, loggerFactory),
        SimulatorConnectionSpec simulator => new SimulatorTransport(new SimulatedBms(ToOptions(simulator)), loggerFactory),
        _ => throw new ArgumentException($"unknown connection kind {spec.GetType().Name}", nameof(spec)),
    };

    /// <summary>The simulated battery a <c>simulator?...</c> connection describes.</summary>
    /// <remarks><see cref="Create"/> throws <see cref="ArgumentException"/> naming the problem when the simulator cannot be built (e.g. more than 16 packs).</remarks>
    public static SimulatedBmsOptions ToOptions(SimulatorConnectionSpec spec) => new()
    {
        Packs = spec.Packs,
        Cells = spec.Cells,
        Temperatures = spec.Temperatures,
        TailBytes = spec.TailBytes,
        Seed = spec.Seed,
    };
}
