using BmsPace.Protocol.Wire;

namespace BmsPace.Simulator;

/// <summary>
/// What sits at the far end of a simulated line: it answers each request frame with the bytes that go back. A
/// <see cref="SimulatedBms"/> answers cleanly; a <see cref="FaultInjector"/> wraps one and damages its replies.
/// </summary>
public interface ISimulatedDevice
{
    /// <summary>How the line carrying this device behaves (baud-rate pacing, think time).</summary>
    LineTiming Line { get; }

    /// <summary>How requests are cut from the line (the wire format of the dialect the device speaks).</summary>
    IWireFormat Wire { get; }

    /// <summary>Answers one request frame (as <see cref="Wire"/> cut it) and says how the reply leaves.</summary>
    SimulatorReply Respond(ReadOnlySpan<byte> request);
}

/// <summary>Line speed for pacing (10 bits per byte; 0 = bytes leave at once) and the pause before each reply.</summary>
public sealed record LineTiming(int BaudRate, TimeSpan ThinkTime);

/// <summary>How one reply leaves the simulator: the bytes (echo, noise and a possibly damaged frame), and the manner.</summary>
/// <param name="Bytes">Everything to write, in order; empty for no reply.</param>
/// <param name="CloseAfter">Disconnect after writing (the <c>drop</c> fault).</param>
/// <param name="PerByteDelay">The <c>slow</c> fault: a pause before every byte.</param>
/// <param name="Split">The <c>split</c> fault: several small writes.</param>
public sealed record SimulatorReply(byte[] Bytes, bool CloseAfter, TimeSpan PerByteDelay, bool Split)
{
    public static SimulatorReply None { get; } = new([], false, TimeSpan.Zero, false);

    /// <summary>A frame that leaves whole, at once.</summary>
    public static SimulatorReply Frame(byte[] frame) => new(frame, false, TimeSpan.Zero, false);
}
