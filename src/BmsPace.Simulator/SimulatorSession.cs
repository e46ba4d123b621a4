using System.Diagnostics;
using System.Buffers;
using System.IO.Pipelines;

namespace BmsPace.Simulator;

/// <summary>
/// Serves one connection (a TCP client, a pty, an in-memory pipe) for a simulated device: cuts requests out of the
/// byte stream with the device's wire format, asks the device for the reply and writes it the way the line would, paced to the baud rate when
/// one is set.
/// </summary>
public static class SimulatorSession
{
    /// <summary>Serves until the peer closes, a <c>drop</c> fault ends the connection, or cancellation.</summary>
    /// <param name="canDisconnect">False for a pty, which cannot be "unplugged": a drop then only cuts the frame.</param>
    public static async Task RunAsync(Stream stream, ISimulatedDevice device, bool canDisconnect, CancellationToken cancellationToken)
    {
        var reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 1024, minimumReadSize: 256, leaveOpen: true));
        var pacer = new LinePacer(device.Line.BaudRate);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                ReadResult read;
                try
                {
                    read = await reader.ReadAsync(cancellationToken);
                }
                catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException)
                {
                    return;
                }

                var buffer = read.Buffer;
                long receivedAt = Stopwatch.GetTimestamp();
                while (device.Wire.TryCutRequest(ref buffer, out var frame))
                {
                    byte[] request = frame.ToArray();
                    var reply = device.Respond(request);
                    try
                    {
                        // The request only "arrives" once its last bit has crossed the line; then the BMS thinks.
                        long replyStart = pacer.After(receivedAt, request.Length) + Ticks(device.Line.ThinkTime);
                        await WriteReplyAsync(stream, reply, pacer, replyStart, cancellationToken);
                    }
                    catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException)
                    {
                        return;
                    }

                    if (reply.CloseAfter && canDisconnect)
                    {
                        return;
                    }

                    receivedAt = Stopwatch.GetTimestamp();
                }

                reader.AdvanceTo(buffer.Start, read.Buffer.End);
                if (read.IsCompleted)
                {
                    return;
                }
            }
        }
        finally
        {
            await reader.CompleteAsync();
        }
    }

    private static long Ticks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);

    private static async Task WriteReplyAsync(Stream stream, SimulatorReply reply, LinePacer pacer, long startAt, CancellationToken cancellationToken)
    {
        if (reply.Bytes.Length == 0)
        {
            return;
        }

        await LinePacer.WaitUntilAsync(startAt, cancellationToken);
        var bytes = reply.Bytes.AsMemory();
        if (reply.PerByteDelay > TimeSpan.Zero)
        {
            long due = Stopwatch.GetTimestamp();
            for (int i = 0; i < bytes.Length; i++)
            {
                due += Ticks(reply.PerByteDelay);
                await LinePacer.WaitUntilAsync(due, cancellationToken);
                await stream.WriteAsync(bytes.Slice(i, 1), cancellationToken);
                await stream.FlushAsync(cancellationToken);
            }

            return;
        }

        if (pacer.IsPaced)
        {
            await pacer.WritePacedAsync(stream, bytes, startAt, cancellationToken);
            return;
        }

        if (reply.Split)
        {
            int offset = 0;
            int size = 1;
            while (offset < bytes.Length)
            {
                int chunk = Math.Min(size, bytes.Length - offset);
                await stream.WriteAsync(bytes.Slice(offset, chunk), cancellationToken);
                await stream.FlushAsync(cancellationToken);
                offset += chunk;
                size = size * 3 % 29 + 1;

                // A gap between chunks so the reader really sees them as separate reads.
                await Task.Delay(1, cancellationToken);
            }

            return;
        }

        await stream.WriteAsync(bytes, cancellationToken);
        await stream.FlushAsync(cancellationToken);
    }
}

/// <summary>
/// Paces bytes like a UART at a baud rate: 10 bits per byte (start, 8 data, stop). Works on an absolute Stopwatch
/// schedule, writing whatever is due and then waiting about a millisecond, so timer jitter does not accumulate; the
/// last byte of a reply leaves when its stop bit has passed, not when a timer next fires.
/// </summary>
/// <remarks>
/// A timer wait on Linux overshoots by a millisecond or more (several on a busy machine). Between bytes that does not
/// matter (the schedule catches up), but a reply's end is when its reader can act: a late last byte would add a
/// millisecond or more to every exchange that a real line does not, so the final stretch is waited out by spinning.
/// </remarks>
internal sealed class LinePacer
{
    /// <summary>How close to a reply's end the pacer stops trusting timers and spins: more than a timer's usual overshoot.</summary>
    private static readonly long SpinWindow = Stopwatch.Frequency * 3 / 1000;

    private readonly double _ticksPerByte;

    public LinePacer(int baudRate)
    {
        IsPaced = baudRate > 0;
        _ticksPerByte = IsPaced ? Stopwatch.Frequency * 10.0 / baudRate : 0;
    }

    public bool IsPaced { get; }

    /// <summary>The timestamp at which <paramref name="byteCount"/> bytes that started at <paramref name="start"/> have crossed the line.</summary>
    public long After(long start, int byteCount) => start + (long)(byteCount * _ticksPerByte);

    public async Task WritePacedAsync(Stream stream, ReadOnlyMemory<byte> bytes, long start, CancellationToken cancellationToken)
    {
        int sent = 0;
        long end = After(start, bytes.Length);
        while (sent < bytes.Length)
        {
            long now = Stopwatch.GetTimestamp();
            if (end - now <= SpinWindow)
            {
                // The rest of the reply is due within a timer's overshoot: hold it until the last stop bit has passed.
                SpinUntil(end);
                await stream.WriteAsync(bytes[sent..], cancellationToken);
                await stream.FlushAsync(cancellationToken);
                return;
            }

            // Byte i is on the wire (and readable by the peer) once its stop bit has passed: start + (i + 1) byte times.
            int due = (int)Math.Min(bytes.Length, Math.Floor((now - start) / _ticksPerByte));
            if (due > sent)
            {
                await stream.WriteAsync(bytes[sent..due], cancellationToken);
                await stream.FlushAsync(cancellationToken);
                sent = due;
                continue;
            }

            long next = start + (long)((sent + 1) * _ticksPerByte);
            await WaitUntilAsync(Math.Min(next, end - SpinWindow), cancellationToken);
        }
    }

    private static void SpinUntil(long timestamp)
    {
        var spinner = default(SpinWait);
        while (Stopwatch.GetTimestamp() < timestamp)
        {
            spinner.SpinOnce(sleep1Threshold: -1);
        }
    }

    /// <summary>Waits until the Stopwatch reaches <paramref name="timestamp"/>, sleeping coarsely and then in ~1 ms steps.</summary>
    public static async Task WaitUntilAsync(long timestamp, CancellationToken cancellationToken)
    {
        while (true)
        {
            long left = timestamp - Stopwatch.GetTimestamp();
            if (left <= 0)
            {
                return;
            }

            double ms = left * 1000.0 / Stopwatch.Frequency;
            if (ms > 3)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(ms - 2), cancellationToken);
            }
            else
            {
                await Task.Delay(1, cancellationToken);
            }
        }
    }
}
