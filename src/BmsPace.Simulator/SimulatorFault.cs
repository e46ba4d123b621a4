using System.Globalization;

namespace BmsPace.Simulator;

/// <summary>The fault kinds of CLI.md <c>--fault</c>.</summary>
public enum SimulatorFaultKind
{
    /// <summary><c>garbage:N</c>: N noise bytes before every reply.</summary>
    Garbage,

    /// <summary><c>badchk:K</c>: wrong CHKSUM on every K-th reply.</summary>
    BadChecksum,

    /// <summary><c>badlen:K</c>: wrong LCHKSUM (CHKSUM still right over what is sent) on every K-th reply.</summary>
    BadLength,

    /// <summary><c>truncate:K</c>: every K-th reply cut in half, no CR.</summary>
    Truncate,

    /// <summary><c>silent:K</c>: no reply to every K-th request.</summary>
    Silent,

    /// <summary><c>echo</c>: every request is echoed before the reply, like some RS232 bridges.</summary>
    Echo,

    /// <summary><c>drop:K</c>: every K-th reply stops mid-frame and the connection is closed (on a pty: just stops).</summary>
    Drop,

    /// <summary><c>rtn:K</c>: every K-th reply is an RTN error frame.</summary>
    Rtn,

    /// <summary><c>slow:MS</c>: reply bytes trickle out MS milliseconds apart.</summary>
    Slow,

    /// <summary><c>split</c>: every reply leaves in several small chunks.</summary>
    Split,

    /// <summary><c>wrongaddr:K</c>: every K-th reply carries another ADR.</summary>
    WrongAddress,
}

/// <summary>One fault: its kind and argument (K for every-K-th faults, N bytes for garbage, MS for slow).</summary>
public sealed record SimulatorFault(SimulatorFaultKind Kind, int Argument = 1)
{
    private static readonly (string Name, SimulatorFaultKind Kind, bool TakesArgument, int Default)[] Names =
    [
        ("garbage", SimulatorFaultKind.Garbage, true, 16),
        ("badchk", SimulatorFaultKind.BadChecksum, true, 1),
        ("badlen", SimulatorFaultKind.BadLength, true, 1),
        ("truncate", SimulatorFaultKind.Truncate, true, 1),
        ("silent", SimulatorFaultKind.Silent, true, 1),
        ("echo", SimulatorFaultKind.Echo, false, 1),
        ("drop", SimulatorFaultKind.Drop, true, 1),
        ("rtn", SimulatorFaultKind.Rtn, true, 1),
        ("slow", SimulatorFaultKind.Slow, true, 5),
        ("split", SimulatorFaultKind.Split, false, 1),
        ("wrongaddr", SimulatorFaultKind.WrongAddress, true, 1),
    ];

    /// <summary>The names <see cref="TryParse"/> accepts.</summary>
    public static IReadOnlyList<string> KnownNames { get; } = [.. Names.Select(n => n.Name)];

    /// <summary>Whether the argument is "every K-th request" (rather than a byte count or a delay).</summary>
    public bool IsEveryKth => Kind is not (SimulatorFaultKind.Garbage or SimulatorFaultKind.Slow or SimulatorFaultKind.Echo or SimulatorFaultKind.Split);

    /// <summary>Parses <c>MODE</c> or <c>MODE:ARG</c> (CLI.md names).</summary>
    public static bool TryParse(string text, out SimulatorFault? fault, out string? error)
    {
        fault = null;
        error = null;
        var parts = text.Trim().Split(':', 2);
        var entry = Names.FirstOrDefault(n => string.Equals(n.Name, parts[0], StringComparison.OrdinalIgnoreCase));
        if (entry.Name is null)
        {
            error = $"unknown fault '{text}': expected one of {string.Join(", ", KnownNames)} (with :ARG where it applies)";
            return false;
        }

        int argument = entry.Default;
        if (parts.Length == 2)
        {
            if (!entry.TakesArgument)
            {
                error = $"fault '{entry.Name}' takes no argument";
                return false;
            }

            int min = entry.Kind == SimulatorFaultKind.Slow ? 0 : 1;
            if (!int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out argument) || argument < min || argument > 100_000)
            {
                error = $"fault '{text}': the argument must be a whole number from {min} to 100000";
                return false;
            }
        }

        fault = new SimulatorFault(entry.Kind, argument);
        return true;
    }

    public static SimulatorFault Parse(string text) =>
        TryParse(text, out var fault, out var error) ? fault! : throw new FormatException(error);

    public override string ToString()
    {
        var entry = Names.First(n => n.Kind == Kind);
        return entry.TakesArgument ? $"{entry.Name}:{Argument.ToString(CultureInfo.InvariantCulture)}" : entry.Name;
    }
}
