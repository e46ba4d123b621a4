namespace BmsPace.Simulator;

/// <summary>
/// A stream over a tty file descriptor (a pty master, or one end of a socat pty pair). Reads wait with poll() in short
/// steps on a worker thread, so cancellation and disposal always end them: a plain blocking read on a tty cannot be
/// interrupted.
/// </summary>
internal sealed class UnixFdStream : AsyncDuplexStream
{
    private const int PollStepMs = 50;
    private readonly int _fd;
    private readonly int[] _alsoClose;
    private readonly SemaphoreSlim _readLock = new(1, 1);
    private volatile bool _disposed;

    public UnixFdStream(int fd, params int[] alsoClose)
    {
        _fd = fd;
        _alsoClose = alsoClose;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await _readLock.WaitAsync(cancellationToken);
        try
        {
            return await Task.Run(() => ReadBlocking(buffer, cancellationToken), CancellationToken.None);
        }
        finally
        {
            _readLock.Release();
        }
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        UnixTerminal.WriteAll(_fd, buffer.Span);
        return ValueTask.CompletedTask;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;

            // Let a read in progress notice the flag before the descriptor number can be reused.
            _readLock.Wait(PollStepMs * 4);
            UnixTerminal.Close(_fd);
            foreach (int fd in _alsoClose)
            {
                UnixTerminal.Close(fd);
            }
        }

        base.Dispose(disposing);
    }

    private int ReadBlocking(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var scratch = new byte[buffer.Length];
        while (true)
        {
            if (_disposed)
            {
                return 0;
            }

            cancellationToken.ThrowIfCancellationRequested();
            if (!UnixTerminal.WaitReadable(_fd, PollStepMs))
            {
                continue;
            }

            int n = UnixTerminal.Read(_fd, scratch, scratch.Length);
            if (n < 0)
            {
                continue;
            }

            scratch.AsSpan(0, n).CopyTo(buffer.Span);
            return n;
        }
    }
}
