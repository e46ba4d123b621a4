using System.Collections.Immutable;
using BmsPace.Protocol.Decoding;
using BmsPace.Protocol.Framing;
using BmsPace.Protocol.Readings;

namespace BmsPace.Protocol.Dialects.Pylontech;

internal sealed partial class PylontechDialect
{
    public override ImmutableArray<FlagDefinition> Flags { get; } = [];

    public override TemperatureRole RoleOfSensor(int index, int count) => TemperatureRole.Unknown;

    internal override AnalogReading DecodeAnalogLayout(ResponseFrame frame, byte packByte, DecoderOptions options) =>
        throw DecodeError($"the Pylontech analog layout is not implemented yet");

    internal override AlarmReading DecodeAlarmLayout(ResponseFrame frame, byte packByte, DecoderOptions options) =>
        throw DecodeError($"the Pylontech alarm layout is not implemented yet");
}
