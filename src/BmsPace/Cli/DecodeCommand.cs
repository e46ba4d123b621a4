using System.CommandLine;

namespace BmsPace.Cli;

internal static class DecodeCommand
{
    public static Command Create()
    {
        var command = new Command("decode", "decode (being built)");
        command.SetAction(_ => BmsPaceCli.ExitUsage);
        return command;
    }
}
