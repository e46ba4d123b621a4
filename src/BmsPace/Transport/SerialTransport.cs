using System.IO.Ports;
using BmsPace.Configuration;
using BmsPace.Protocol.Framing;
using BmsPace.Resilience;
using Microsoft.Extensions.Logging;

namespace BmsPace.Transport;

/// <summary>
/// A serial port (RS232/RS485 adapter, or a pty) through System.IO.Ports. Works around its Linux traps
/// (docs/testing.md): timeouts are always set, DTR/RTS are left alone unless asked for (they fail on a pty), a missing
/// device gets a clear message instead of UnauthorizedAccessException, and an old port is disposed off the polling path
/// because Dispose can hang after the device vanished.
/// </summary>
public sealed class SerialTransport : StreamTransport
{
    private readonly SerialConnectionSpec _spec;
    private readonly SerialLineOptions _line;
    private SerialPort? _port;

    public SerialTransport(SerialConnectionSpec spec, ILoggerFactory? loggers = null, SerialLineOptions? line = null, BackoffPolicy? reconnect = null, TimeProvider? time = null)
        : base($"serial://{spec.Path}", loggers, reconnect, time)
    {
        _spec = spec;
        _line = line ?? new SerialLineOptions();
    }

    protected override int? BaudRate => _spec.BaudRate;

    protected override Task<Stream> OpenStreamAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (!File.Exists(_spec.Path))
        {
            throw new TransportException(FrameError.Io, $"no such serial device {_spec.Path}");
        }

        int timeoutMs = (int)Math.Clamp(timeout.TotalMilliseconds, 1, int.MaxValue);
        var port = new SerialPort(_spec.Path, _spec.BaudRate, _spec.Parity, _spec.DataBits, _spec.StopBits)
        {
            Handshake = Handshake.None,
            ReadTimeout = timeoutMs,
            WriteTimeout = timeoutMs,
        };
        if (_line.DtrEnable)
        {
            port.DtrEnable = true;
        }

        if (_line.RtsEnable)
        {
            port.RtsEnable = true;
        }

        try
        {
            port.Open();
        }
        catch (UnauthorizedAccessException ex)
        {
            port.Dispose();
            string message = !File.Exists(_spec.Path) ? $"no such serial device {_spec.Path}"
                : OpensAsPlainFile(_spec.Path) ? $"cannot open serial device {_spec.Path}: it is not a serial port (it takes no line settings); check the path"
                : $"cannot open serial device {_spec.Path}: permission denied or the port is in use (is the user in the dialout group?)";
            throw new TransportException(FrameError.Io, message, ex);
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or InvalidOperationException)
        {
            port.Dispose();
            throw new TransportException(FrameError.Io, $"cannot open serial device {_spec.Path}: {ex.Message}", ex);
        }

        _port = port;
        return Task.FromResult(port.BaseStream);
    }

    /// <summary>SerialPort reports "access denied" for a device that refuses terminal settings too (/dev/null); if the file opens, permissions are not the cause.</summary>
    private static bool OpensAsPlainFile(string path)
    {
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, bufferSize: 1);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    protected override void ReleaseStream(Stream stream)
    {
        var port = _port;
        _port = null;
        if (port is null)
        {
            return;
        }

        // SerialPort.Dispose can block forever after the device vanished or a write timed out: never on the poll path.
        _ = Task.Run(() =>
        {
            try
            {
                port.Dispose();
            }
            catch (Exception ex)
            {
                TransportLog.DisposeFailed(Logger, Description, ex.Message);
            }
        });
    }
}

/// <summary>Modem-control lines; off by default because a pty rejects them with "Inappropriate ioctl".</summary>
public sealed record SerialLineOptions
{
    public bool DtrEnable { get; init; }

    public bool RtsEnable { get; init; }
}
