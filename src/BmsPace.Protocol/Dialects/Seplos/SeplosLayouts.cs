using System.Collections.Immutable;
using BmsPace.Protocol.Decoding;
using BmsPace.Protocol.Framing;
using BmsPace.Protocol.Readings;

namespace BmsPace.Protocol.Dialects.Seplos;

internal sealed partial class SeplosDialect
{
    public override ImmutableArray<FlagDefinition> Flags { get; } = [];

    public override TemperatureRole RoleOfSensor(int index, int count) => TemperatureRole.Unknown;

    internal override AnalogReading DecodeAnalogLayout(ResponseFrame frame, byte packByte, DecoderOptions options) =>
        throw DecodeError($"the Seplos analog layout is not implemented yet");

    internal override AlarmReading DecodeAlarmLayout(ResponseFrame frame, byte packByte, DecoderOptions options) =>
        throw DecodeError($"the Seplos alarm layout is not implemented yet");
}
