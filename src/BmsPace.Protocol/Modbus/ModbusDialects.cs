using BmsPace.Protocol.Dialects;

namespace BmsPace.Protocol.Modbus;

/// <summary>The Modbus RTU families (MODBUS.md) among the dialects of the registry (<see cref="BmsDialects.All"/>).</summary>
public static class ModbusDialects
{
    /// <summary>Every family, in the registry's order (MODBUS.md section 4: Seplos V3 at 19200 first, then the 9600 maps).</summary>
    public static IEnumerable<ModbusDialect> All => BmsDialects.All.OfType<ModbusDialect>();

    public static bool TryFind(string? name, out ModbusDialect dialect)
    {
        dialect = All.FirstOrDefault(d => string.Equals(d.Name, name, StringComparison.OrdinalIgnoreCase))!;
        return dialect is not null;
    }

    /// <summary>
    /// The family of a validated reply whose family is not named: the families whose blocks cover the request, then,
    /// when more than one does (EG4 LL and PACE_MODBUS both read holding registers from 0), the ones whose sanity
    /// rule the values pass.
    /// </summary>
    /// <exception cref="PaceProtocolException"><see cref="FrameError.Decode"/> when no family, or more than one, explains it.</exception>
    public static ModbusDialect Detect(ModbusReply reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        var reading = All.Where(d => d.Reads(reply.Request)).ToArray();
        if (reading.Length == 0)
        {
            throw new PaceProtocolException(FrameError.Decode, $"no Modbus family reads {reply.Request}");
        }

        var explaining = reading.Length == 1 ? reading : [.. reading.Where(d => d.WhyNotOurs(d.Read([reply]).Pack) is null)];
        return explaining.Length == 1
            ? explaining[0]
            : throw new PaceProtocolException(FrameError.Decode, explaining.Length == 0
                ? $"no Modbus family explains these registers ({string.Join("; ", reading.Select(d => $"{d.Name}: {d.WhyNotOurs(d.Read([reply]).Pack)}"))})"
                : $"the registers fit {string.Join(" and ", explaining.Select(d => d.Name))}: name one with --protocol");
    }
}
