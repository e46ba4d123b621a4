using System.CommandLine;

namespace BmsPace.Commands;

/// <summary>The command tree of CLI.md. Each command lives in its own file; exit codes: 0 ok, 1 a run-time failure that can clear (device, frame, listen port in use), 2 usage or configuration (restarting cannot fix it).</summary>
public static class BmsPaceCli
{
    public const int ExitOk = 0;
    public const int ExitDeviceFailed = 1;
    public const int ExitUsage = 2;

    public static RootCommand Build()
    {
        var run = RunCommand.Create();
        var root = new RootCommand("bmspace: read PACE battery management systems and export to Prometheus, InfluxDB and the console.")
        {
            run,
            OnceCommand.Create(),
            DecodeCommand.Create(),
            SimulateCommand.Create(),
            ProbeCommand.Create(),
            HealthCommand.Create(),
            AddOnOptionsCommand.Create(),
            ConfigReferenceCommand.Create(),
        };
        RunCommand.AttachAsDefault(root);
        return root;
    }

    /// <param name="cancellationToken">Ends a running command (<c>run</c>, <c>simulate</c>) as a signal would.</param>
    public static async Task<int> InvokeAsync(string[] args, TextWriter? output = null, TextWriter? error = null, CancellationToken cancellationToken = default)
    {
        var root = Build();
        var parsed = root.Parse(args);
        var configuration = new InvocationConfiguration
        {
            Output = output ?? Console.Out,
            Error = error ?? Console.Error,
        };
        if (parsed.Errors.Count > 0)
        {
            foreach (var problem in parsed.Errors)
            {
                await configuration.Error.WriteLineAsync(problem.Message);
            }

            return ExitUsage;
        }

        return await parsed.InvokeAsync(configuration, cancellationToken);
    }
}
