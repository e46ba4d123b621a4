using System.CommandLine;

namespace BmsPace.Cli;

internal static class SimulateCommand
{
    public static Command Create()
    {
        var command = new Command("simulate", "simulate (being built)");
        command.SetAction(_ => BmsPaceCli.ExitUsage);
        return command;
    }
}
