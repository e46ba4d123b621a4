using System.CommandLine;

namespace BmsPace.Cli;

internal static class RunCommand
{
    public static Command Create()
    {
        var command = new Command("run", "Poll every configured battery on its schedule, serve /metrics, write InfluxDB when enabled, echo to the console (the default command).");
        command.SetAction(_ => BmsPaceCli.ExitUsage);
        return command;
    }

    /// <summary>Makes <c>bmspace</c> with no command behave as <c>bmspace run</c>.</summary>
    public static void AttachAsDefault(RootCommand root)
    {
        root.SetAction(_ => BmsPaceCli.ExitUsage);
    }
}
