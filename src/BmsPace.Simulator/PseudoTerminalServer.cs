namespace BmsPace.Simulator;

/// <summary>
/// Serves a simulated device on a new pseudo-terminal whose slave side is reachable at a symlink path, so a
/// serial client opens it like <c>/dev/ttyUSB0</c>. The symlink is removed on disposal.
/// </summary>
public sealed class PseudoTerminalServer : IAsyncDisposable
{
    private readonly UnixFdStream _master;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _session;

    private PseudoTerminalServer(ISimulatedDevice bms, string linkPath, string slavePath, UnixFdStream master)
    {
        LinkPath = linkPath;
        SlavePath = slavePath;
        _master = master;
        _session = Task.Run(() => SimulatorSession.RunAsync(_master, bms, canDisconnect: false, _stop.Token));
    }

    /// <summary>The symlink the client opens.</summary>
    public string LinkPath { get; }

    /// <summary>The real device (/dev/pts/N).</summary>
    public string SlavePath { get; }

    /// <summary>Creates the pty and the symlink <paramref name="linkPath"/> (replacing an old symlink, never a regular file).</summary>
    /// <exception cref="IOException">The pty cannot be created or the path is taken by something that is not a symlink.</exception>
    public static PseudoTerminalServer Start(ISimulatedDevice bms, string linkPath)
    {
        var full = Path.GetFullPath(linkPath);
        var existing = new FileInfo(full);
        if (existing.LinkTarget is not null)
        {
            existing.Delete();
        }
        else if (existing.Exists || Directory.Exists(full))
        {
            throw new IOException($"{full} already exists and is not a symlink; refusing to replace it");
        }

        var (master, slave, slavePath) = UnixTerminal.OpenPseudoTerminal();
        try
        {
            File.CreateSymbolicLink(full, slavePath);
        }
        catch
        {
            UnixTerminal.Close(master);
            UnixTerminal.Close(slave);
            throw;
        }

        return new PseudoTerminalServer(bms, full, slavePath, new UnixFdStream(master, slave));
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _session;
        }
        catch (OperationCanceledException)
        {
        }

        await _master.DisposeAsync();
        try
        {
            if (new FileInfo(LinkPath).LinkTarget is not null)
            {
                File.Delete(LinkPath);
            }
        }
        catch (IOException)
        {
        }

        _stop.Dispose();
    }
}
