using System.CommandLine;

namespace BmsPace.Cli;

internal static class OnceCommand
{
    public static Command Create()
    {
        var command = new Command("once", "once (being built)");
        command.SetAction(_ => BmsPaceCli.ExitUsage);
        return command;
    }
}
