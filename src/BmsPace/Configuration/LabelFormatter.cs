using System.Globalization;

namespace BmsPace.Configuration;

/// <summary>Pack and cell label values, left-padded with zeros to the configured widths (zero_pad_number_*).</summary>
public sealed record LabelFormatter(int PackWidth, int CellWidth)
{
    public static LabelFormatter FromOptions(BmsPaceOptions options) => new(options.ZeroPadNumberPacks, options.ZeroPadNumberCells);

    public string Pack(int pack) => Pad(pack, PackWidth);

    public string Cell(int cell) => Pad(cell, CellWidth);

    public static string Sensor(int sensor) => sensor.ToString(CultureInfo.InvariantCulture);

    private static string Pad(int value, int width) =>
        value.ToString(CultureInfo.InvariantCulture).PadLeft(Math.Max(width, 0), '0');
}
