using System.Text.RegularExpressions;
using BmsPace.Commands;

namespace BmsPace.Tests.Shipping;

/// <summary>
/// Issue 22 item 8: the command tables of README.md and docs/CLI.md name every command `bmspace --help` lists and every
/// option its own `--help` lists, and docs/CLI.md names every kind `decode --command` accepts.
/// </summary>
[Trait("Category", "ShippedFiles")]
public sealed partial class ReadmeCommandTableTests
{
    [Theory]
    [InlineData("README.md")]
    [InlineData("docs/CLI.md")]
    public async Task The_command_table_has_a_row_for_every_command_naming_every_option_of_its_help(string document)
    {
        string text = await File.ReadAllTextAsync(RepositoryFiles.PathOf(document.Split('/')));
        var rows = text.Split('\n').Where(line => line.StartsWith("| `bmspace ", StringComparison.Ordinal)).ToList();
        var problems = new List<string>();
        foreach (string command in Commands(await HelpAsync()))
        {
            var rowsOfCommand = rows.Where(row => row.StartsWith($"| `bmspace {command} ", StringComparison.Ordinal) || row.StartsWith($"| `bmspace {command}`", StringComparison.Ordinal)).ToList();
            if (rowsOfCommand.Count == 0)
            {
                problems.Add($"no row for `bmspace {command}`");
                continue;
            }

            string synopsis = string.Join(" ", rowsOfCommand.Select(row => row.Split(" | ")[0]));
            problems.AddRange(Options(await HelpAsync(command, "--help"))
                .Where(option => !Regex.IsMatch(synopsis, $@"{Regex.Escape(option)}(?![\w.-])"))
                .Select(option => $"`bmspace {command}` row lacks {option}"));
        }

        Assert.True(problems.Count == 0, $"{document}: " + string.Join("; ", problems));
    }

    [Fact]
    public async Task Docs_cli_names_every_kind_decode_accepts()
    {
        string help = await HelpAsync("decode", "--help");
        string kinds = Regex.Match(help, @"--command <KIND>\s+what the frame answers: (?<kinds>[a-z_, ]+)").Groups["kinds"].Value;
        string cli = await File.ReadAllTextAsync(RepositoryFiles.PathOf("docs", "CLI.md"));

        var listed = kinds.Split(", ", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Contains("analog", listed);
        Assert.All(listed, kind => Assert.Contains($"`{kind}`", cli, StringComparison.Ordinal));
    }

    private static async Task<string> HelpAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int exit = await BmsPaceCli.InvokeAsync(args.Length == 0 ? ["--help"] : args, output, error);
        Assert.Equal(0, exit);
        return output.ToString();
    }

    /// <summary>The names under "Commands:" in the top-level help.</summary>
    private static List<string> Commands(string help) =>
        [.. Section(help, "Commands:").Select(line => line.TrimStart().Split(' ')[0])];

    /// <summary>The long option names under "Options:", without the help and version switches every command has.</summary>
    private static List<string> Options(string help) =>
        [.. Section(help, "Options:")
            .SelectMany(line => OptionName().Matches(line.Split("  ", 3, StringSplitOptions.RemoveEmptyEntries)[0]).Select(m => m.Value))
            .Where(option => option is not ("--help" or "--version"))];

    private static IEnumerable<string> Section(string help, string heading) =>
        help.Split('\n').SkipWhile(line => line.Trim() != heading).Skip(1).TakeWhile(line => line.Trim().Length > 0)
            .Where(line => line.StartsWith("  ", StringComparison.Ordinal) && !line.StartsWith("   ", StringComparison.Ordinal));

    [GeneratedRegex(@"--[a-z][a-z0-9.-]*")]
    private static partial Regex OptionName();
}
