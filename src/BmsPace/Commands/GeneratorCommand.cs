using System.CommandLine;

namespace BmsPace.Commands;

/// <summary>
/// The shape of the hidden commands that write repository files from the configuration key table after a key changed
/// (<c>addon-options</c>, <c>config-reference</c>): one folder argument, not listed in <c>--help</c>, not for users.
/// </summary>
internal static class GeneratorCommand
{
    public static Command Create(string name, string description, string folderDescription, Func<string, InvocationConfiguration, CancellationToken, Task<int>> writeAsync)
    {
        var folder = new Argument<string>("FOLDER") { Description = folderDescription };
        var command = new Command(name, description)
        {
            folder,
        };
        command.Hidden = true;
        command.SetAction((parseResult, cancellationToken) => writeAsync(parseResult.GetValue(folder)!, parseResult.InvocationConfiguration, cancellationToken));
        return command;
    }
}
