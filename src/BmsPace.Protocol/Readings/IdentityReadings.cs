namespace BmsPace.Protocol.Readings;

/// <summary>0xC2: BMS serial and pack serial, full 20 characters each, trailing spaces and NULs trimmed.</summary>
public sealed record SerialNumbers(string BmsSerial, string PackSerial);

/// <summary>0xA6: the capacities of the pack that answers.</summary>
public sealed record CapacityReading(double RemainingAmpHours, double FullAmpHours, double DesignAmpHours);
