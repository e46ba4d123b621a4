namespace BmsPace.Protocol.Readings;

/// <summary>
/// The resolution of values that are computed rather than sent. A sent value is a raw integer divided by its unit
/// (3271 mV / 1000), which already is the double nearest to the wire's decimal; a ratio or a product of two such values
/// is not (48.19 / 103.46 = 0.46578388...), so it is rounded here, once, for every output (JSON, /metrics, InfluxDB,
/// MQTT) alike.
/// </summary>
public static class Resolution
{
    /// <summary>Ratios (SOC, SOH): six decimals, far below the 10 mAh of the capacities they come from.</summary>
    public const int RatioDecimals = 6;

    /// <summary>Power: 1 mV times 10 mA is 0.00001 W.</summary>
    public const int PowerDecimals = 5;

    /// <summary>Energy integrated by the exporter: 0.01 mWh, the power's resolution, so even a small load at a short interval shows.</summary>
    public const int EnergyDecimals = 5;

    /// <summary><paramref name="numerator"/> / <paramref name="denominator"/> at <see cref="RatioDecimals"/>; null for a zero denominator.</summary>
    public static double? Ratio(double numerator, double denominator) =>
        denominator == 0 ? null : Math.Round(numerator / denominator, RatioDecimals);

    public static double Power(double volts, double amperes) => Math.Round(volts * amperes, PowerDecimals);

    public static double Energy(double wattHours) => Math.Round(wattHours, EnergyDecimals);
}
