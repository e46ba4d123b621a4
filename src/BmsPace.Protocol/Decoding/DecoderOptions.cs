namespace BmsPace.Protocol.Decoding;

/// <summary>Settings that change how INFO is read.</summary>
public sealed record DecoderOptions
{
    /// <summary>PACE's 0.1 K offset (0 C = 273.0 K), the default of the decoder and of the configuration.</summary>
    public const int DefaultTemperatureOffsetDeciKelvin = 2730;

    /// <summary>0.1 K offset of temperatures: 2730 for PACE 0x25 (PACE documents), 2731 for the 0x20 family.</summary>
    public int TemperatureOffsetDeciKelvin { get; init; } = DefaultTemperatureOffsetDeciKelvin;

    /// <summary>
    /// Manual override of the tail search of the analog (0x42) answer: extra characters after each pack block (a multiple
    /// of 2; an odd count is rounded down to whole bytes); 0 = automatic. The last block keeps whatever is left after it,
    /// as in bmspace. The alarm (0x44) answer carries a tail of its own length and is always searched.
    /// </summary>
    public int ForcePackOffsetCharacters { get; init; }

    /// <summary>The options every decoder starts from; a dialect sets its own temperature offset on top.</summary>
    public static DecoderOptions Default { get; } = new();
}
