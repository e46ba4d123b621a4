namespace BmsPace.Protocol.Readings;

/// <summary>0xC2: BMS serial and pack serial, full 20 characters each, trailing spaces and NULs trimmed.</summary>
public sealed record SerialNumbers(string BmsSerial, string PackSerial);

/// <summary>0xA6: the capacities of the pack that answers.</summary>
public sealed record CapacityReading(double RemainingAmpHours, double FullAmpHours, double DesignAmpHours);

/// <summary>
/// What an identity command answered, in one shape for every dialect: each field is null when the command does not
/// carry it. PACE 0xC1 fills <see cref="SoftwareVersion"/>, 0xC2 the serials; 0x51 fills <see cref="DeviceName"/>,
/// <see cref="SoftwareVersion"/> and <see cref="Manufacturer"/> (EG4's 0x51 blob is only <see cref="Text"/>); 0x4F fills
/// <see cref="ProtocolVersion"/> from the reply's VER; 0x93 fills <see cref="BmsSerial"/>.
/// </summary>
public sealed record IdentityReading
{
    public string? SoftwareVersion { get; init; }

    public string? BmsSerial { get; init; }

    public string? PackSerial { get; init; }

    public string? DeviceName { get; init; }

    public string? Manufacturer { get; init; }

    /// <summary>"2.0" for VER 0x20 (0x4F answers carry the version in VER).</summary>
    public string? ProtocolVersion { get; init; }

    /// <summary>An answer with no documented layout (EG4 0x51), as printable text.</summary>
    public string? Text { get; init; }
}
