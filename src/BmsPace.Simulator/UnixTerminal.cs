using System.ComponentModel;
using System.Runtime.InteropServices;

namespace BmsPace.Simulator;

/// <summary>The few libc calls a pseudo-terminal and a raw tty need (Linux, glibc).</summary>
internal static partial class UnixTerminal
{
    public const int ReadWrite = 0x2;
    public const int NoControllingTerminal = 0x100;
    public const short PollIn = 0x1;
    public const short PollErr = 0x8;
    public const short PollHup = 0x10;
    public const short PollNval = 0x20;
    private const int TcsaNow = 0;
    private const int Interrupted = 4;
    private const int TryAgain = 11;

    /// <summary>glibc's struct termios is 60 bytes; the buffer is larger so the struct layout never matters here.</summary>
    private const int TermiosBufferSize = 256;

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short ReturnedEvents;
    }

    /// <summary>Opens a new pty master, unlocks it, sets its slave side raw and returns both descriptors and the slave path.</summary>
    public static (int Master, int Slave, string SlavePath) OpenPseudoTerminal()
    {
        int master = Check(posix_openpt(ReadWrite | NoControllingTerminal), "posix_openpt");
        try
        {
            Check(grantpt(master), "grantpt");
            Check(unlockpt(master), "unlockpt");
            var name = new byte[128];
            int error = ptsname_r(master, name, (nuint)name.Length);
            if (error != 0)
            {
                throw new Win32Exception(error, "ptsname_r failed");
            }

            string slavePath = System.Text.Encoding.ASCII.GetString(name, 0, Array.IndexOf(name, (byte)0));

            // Holding the slave open ourselves keeps the master readable (no EIO) while no client has it open.
            int slave = OpenRaw(slavePath);
            return (master, slave, slavePath);
        }
        catch
        {
            _ = close(master);
            throw;
        }
    }

    /// <summary>Opens a tty read-write without making it the controlling terminal, and switches it to raw mode.</summary>
    public static int OpenRaw(string path)
    {
        int fd = open(path, ReadWrite | NoControllingTerminal);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new IOException($"cannot open {path}: {new Win32Exception(errno).Message}");
        }

        try
        {
            MakeRaw(fd);
            return fd;
        }
        catch
        {
            _ = close(fd);
            throw;
        }
    }

    public static void MakeRaw(int fd)
    {
        var termios = new byte[TermiosBufferSize];
        Check(tcgetattr(fd, termios), "tcgetattr");
        cfmakeraw(termios);
        Check(tcsetattr(fd, TcsaNow, termios), "tcsetattr");
    }

    /// <summary>Waits up to <paramref name="timeoutMs"/> for input; true when readable (or the other end hung up).</summary>
    public static bool WaitReadable(int fd, int timeoutMs)
    {
        var poll = new PollFd { Fd = fd, Events = PollIn };
        int ready = UnixTerminal.poll(ref poll, 1, timeoutMs);
        if (ready < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno == Interrupted)
            {
                return false;
            }

            throw new IOException($"poll failed: {new Win32Exception(errno).Message}");
        }

        return ready > 0;
    }

    /// <summary>Reads what is available; 0 at end of file or when the other side is gone (EIO on a pty).</summary>
    public static int Read(int fd, byte[] buffer, int count)
    {
        while (true)
        {
            nint n = read(fd, buffer, count);
            if (n >= 0)
            {
                return (int)n;
            }

            int errno = Marshal.GetLastPInvokeError();
            if (errno is Interrupted or TryAgain)
            {
                return -1;
            }

            return 0;
        }
    }

    public static void WriteAll(int fd, ReadOnlySpan<byte> data)
    {
        var buffer = data.ToArray();
        int offset = 0;
        while (offset < buffer.Length)
        {
            nint n = write(fd, buffer[offset..], buffer.Length - offset);
            if (n < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno == Interrupted)
                {
                    continue;
                }

                throw new IOException($"write failed: {new Win32Exception(errno).Message}");
            }

            offset += (int)n;
        }
    }

    public static void Close(int fd) => _ = close(fd);

    private static int Check(int result, string call)
    {
        if (result < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new IOException($"{call} failed: {new Win32Exception(errno).Message}");
        }

        return result;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int posix_openpt(int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int grantpt(int fd);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int unlockpt(int fd);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int ptsname_r(int fd, [Out] byte[] buffer, nuint length);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int close(int fd);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int tcgetattr(int fd, [Out] byte[] termios);

    [LibraryImport("libc")]
    private static partial void cfmakeraw([In, Out] byte[] termios);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int tcsetattr(int fd, int optionalActions, byte[] termios);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int poll(ref PollFd fds, nuint count, int timeoutMs);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint read(int fd, [Out] byte[] buffer, nint count);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint write(int fd, byte[] buffer, nint count);
}
