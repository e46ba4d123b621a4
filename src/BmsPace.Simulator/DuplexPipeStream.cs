using System.IO.Pipelines;

namespace BmsPace.Simulator;

/// <summary>One end of an in-memory full-duplex link: reads from one pipe, writes to the other.</summary>
public sealed class DuplexPipeStream : AsyncDuplexStream
{
    private readonly PipeReader _input;
    private readonly PipeWriter _output;
    private readonly Stream _reader;
    private readonly Stream _writer;
    private int _disposed;

    private DuplexPipeStream(PipeReader input, PipeWriter output)
    {
        _input = input;
        _output = output;
        _reader = input.AsStream(leaveOpen: true);
        _writer = output.AsStream(leaveOpen: true);
    }

    /// <summary>Two connected ends: what one writes, the other reads. Disposing an end makes the other read end-of-stream.</summary>
    public static (DuplexPipeStream First, DuplexPipeStream Second) CreatePair()
    {
        var options = new PipeOptions(useSynchronizationContext: false);
        var forward = new Pipe(options);
        var backward = new Pipe(options);
        return (new DuplexPipeStream(backward.Reader, forward.Writer), new DuplexPipeStream(forward.Reader, backward.Writer));
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        _reader.ReadAsync(buffer, cancellationToken);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        return _writer.WriteAsync(buffer, cancellationToken);
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => _writer.FlushAsync(cancellationToken);

    protected override void Dispose(bool disposing)
    {
        if (disposing && Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _output.Complete();
            _input.CancelPendingRead();
            _input.Complete();
        }

        base.Dispose(disposing);
    }
}
