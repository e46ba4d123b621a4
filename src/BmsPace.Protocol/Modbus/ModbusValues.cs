using System.Collections.Immutable;
using BmsPace.Protocol.Readings;

namespace BmsPace.Protocol.Modbus;

/// <summary>
/// What one or more replies said about one pack (or about the stack), field by field: null where the replies held no
/// register of the field. A register map fills it (<see cref="ModbusDialect.Read"/>); the poller turns it into the
/// shared readings, and <c>decode</c> prints exactly the fields a reply held.
/// </summary>
public sealed class ModbusValues
{
    public double? VoltageVolts { get; set; }

    /// <summary>Positive while charging.</summary>
    public double? CurrentAmperes { get; set; }

    public double? RemainingAmpHours { get; set; }

    public double? FullAmpHours { get; set; }

    public double? DesignAmpHours { get; set; }

    public int? CycleCount { get; set; }

    public double? StateOfChargeRatio { get; set; }

    public double? StateOfHealthRatio { get; set; }

    public int? PackCount { get; set; }

    public ImmutableArray<double>? CellVoltagesVolts { get; set; }

    /// <summary>Sensors in the family's order (NaN = a slot with no sensor), with their roles.</summary>
    public ImmutableArray<double>? TemperaturesCelsius { get; set; }

    public ImmutableArray<TemperatureRole> TemperatureRoles { get; set; } = [];

    public ImmutableArray<int>? BalancingCells { get; set; }

    /// <summary>Per-cell warning codes (01 low, 02 high) where the family sends them per cell (Seplos V3).</summary>
    public ImmutableArray<byte>? CellWarnings { get; set; }

    public ImmutableArray<byte>? TemperatureWarnings { get; set; }

    public List<DialectValue> DialectValues { get; } = [];

    /// <summary>The raw status words or coil bytes, under the family's names.</summary>
    public List<StatusField> Status { get; } = [];

    public string? SoftwareVersion { get; set; }

    public string? BmsSerial { get; set; }

    public string? PackSerial { get; set; }

    public string? DeviceName { get; set; }

    public string? Manufacturer { get; set; }

    /// <summary>Whether any analog field (everything but status, identity and the stack's count) was read.</summary>
    public bool HasAnalog => VoltageVolts is not null || CurrentAmperes is not null || RemainingAmpHours is not null
        || FullAmpHours is not null || DesignAmpHours is not null || CycleCount is not null || StateOfChargeRatio is not null
        || StateOfHealthRatio is not null || CellVoltagesVolts is not null || TemperaturesCelsius is not null || DialectValues.Count > 0;

    public bool HasStatus => Status.Count > 0;

    public bool HasIdentity => SoftwareVersion is not null || BmsSerial is not null || PackSerial is not null
        || DeviceName is not null || Manufacturer is not null;

    public void Add(string name, double value) => DialectValues.Add(new DialectValue(name, value));

    public void AddStatus(string name, long value) => Status.Add(new StatusField(name, value));
}

/// <summary>What one read told, sorted by whom it describes.</summary>
/// <param name="Pack">Values of the pack at the slave address asked.</param>
/// <param name="Stack">
/// Values that describe the whole stack (an EG4 master's bank registers, Seplos V3's EIA block); null when the
/// reply held none. An EG4 master's reply fills only this, so its zeros are never a pack of 0 V.
/// </param>
public sealed record ModbusReading(ModbusValues Pack, ModbusValues? Stack);
