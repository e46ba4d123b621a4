using BmsPace.Protocol.Readings;

namespace BmsPace.Protocol.Decoding;

/// <summary>INFO of valid frames to readings. Every method throws <see cref="Framing.PaceProtocolException"/> with <see cref="Framing.FrameError.Decode"/> when INFO does not fit.</summary>
public static class PaceDecoders
{
    /// <param name="packByte">The COMMAND byte of the request: FF makes the second INFO byte a pack count, anything else an echo.</param>
    public static AnalogReading DecodeAnalog(ReadOnlySpan<byte> info, byte packByte, DecoderOptions options) => throw new NotImplementedException();

    public static AlarmReading DecodeAlarm(ReadOnlySpan<byte> info, byte packByte, DecoderOptions options) => throw new NotImplementedException();

    public static string DecodeSoftwareVersion(ReadOnlySpan<byte> info) => throw new NotImplementedException();

    public static SerialNumbers DecodeSerialNumbers(ReadOnlySpan<byte> info) => throw new NotImplementedException();

    /// <summary>0x90; null when the firmware answers with no INFO.</summary>
    public static int? DecodePackCount(ReadOnlySpan<byte> info) => throw new NotImplementedException();

    public static CapacityReading DecodeCapacity(ReadOnlySpan<byte> info) => throw new NotImplementedException();

    public static DateTime DecodeDateTime(ReadOnlySpan<byte> info) => throw new NotImplementedException();
}
