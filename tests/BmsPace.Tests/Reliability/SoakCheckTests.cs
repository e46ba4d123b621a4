using System.Globalization;
using BmsPace.Tests.Prometheus;
using BmsPace.Tests.Shipping;

namespace BmsPace.Tests.Reliability;

/// <summary>
/// tests/soak_check.py, the judge of tests/soak.sh, on a real minute of soak (testdata/soak: socat's hex dump of the
/// link to a faulty <c>bmspace simulate</c>, three /metrics scrapes and the process samples), and on copies of it with
/// one thing made wrong. The soak itself runs for an hour and stays a script; what decides pass or fail is tested here.
/// </summary>
public sealed class SoakCheckTests : IDisposable
{
    private static readonly string Fixture = Path.Combine(AppContext.BaseDirectory, "testdata", "soak");
    private readonly string _run = Directory.CreateTempSubdirectory("bmspace-soakcheck-").FullName;

    public SoakCheckTests()
    {
        foreach (string file in Directory.EnumerateFiles(Fixture, "*", SearchOption.AllDirectories))
        {
            string copy = Path.Combine(_run, Path.GetRelativePath(Fixture, file));
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.Copy(file, copy);
        }
    }

    public void Dispose() => Directory.Delete(_run, recursive: true);

    [Fact]
    public async Task A_real_minute_of_soak_passes_with_every_scraped_value_found_on_the_wire()
    {
        var result = await CheckAsync();

        Assert.True(result.ExitCode == 0, result.All);
        Assert.Contains("scrapes: 3, values checked: 459, wrong values: 0, packs scraped with nothing sent: 0", result.Output, StringComparison.Ordinal);
        Assert.Contains("intact pack blocks on the wire: 30 analog, 33 alarm", result.Output, StringComparison.Ordinal);
        Assert.StartsWith("soak: PASS", LastLine(result), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_run_checked_while_it_is_still_writing_judges_only_complete_lines()
    {
        // The soak appends the next scrape's line while a live check reads: a line without its newline is not read yet,
        // and the wire log is read only as far as the last complete line says.
        File.AppendAllText(Path.Combine(_run, "scrapes.tsv"), "00004.txt\t1795988709\t950");
        File.AppendAllText(Path.Combine(_run, "wire.log"), "< 2026/11/29 21:45:10.000001  length=3 from=0 to=2\n 7e 32 35\n");

        var result = await CheckAsync();

        Assert.True(result.ExitCode == 0, result.All);
        Assert.Contains("scrapes: 3, values checked: 459, wrong values: 0", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task One_cell_voltage_off_by_one_millivolt_is_one_wrong_value()
    {
        const string series = "pace_bms_cell_voltage_volts{battery=\"main\",pack=\"2\",cell=\"5\"} ";
        Rewrite("00003.txt", line => line.StartsWith(series, StringComparison.Ordinal)
            ? series + (double.Parse(line[series.Length..], CultureInfo.InvariantCulture) + 0.001).ToString("0.000", CultureInfo.InvariantCulture)
            : line);

        var result = await CheckAsync();

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("wrong values: 1,", result.Output, StringComparison.Ordinal);
        Assert.Contains("wrong value in scrape 00003.txt: pack 2 pace_bms_cell_voltage_volts/cell/5", result.Output, StringComparison.Ordinal);
        Assert.StartsWith("soak: FAIL: 1 wrong values", LastLine(result), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_packs_exported_under_each_others_number_are_wrong_values()
    {
        Rewrite("00004.txt", line => line.StartsWith("pace_bms_pack_current_amperes{", StringComparison.Ordinal)
            ? line.Replace("pack=\"1\"", "pack=\"x\"", StringComparison.Ordinal).Replace("pack=\"2\"", "pack=\"1\"", StringComparison.Ordinal).Replace("pack=\"x\"", "pack=\"2\"", StringComparison.Ordinal)
            : line);

        var result = await CheckAsync();

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("pack 1 pace_bms_pack_current_amperes", result.Output, StringComparison.Ordinal);
        Assert.Contains("pack 2 pace_bms_pack_current_amperes", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Values_whose_reply_never_left_intact_have_nothing_to_match()
    {
        // Every reply cut before its CR, as the truncate fault does: nothing the exporter shows was sent intact.
        File.WriteAllLines(Path.Combine(_run, "wire.log"), File.ReadAllLines(Path.Combine(_run, "wire.log"))
            .Select(line => line.StartsWith(' ') ? line.Replace(" 0d", " 30", StringComparison.Ordinal) : line));

        var result = await CheckAsync();

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("intact pack blocks on the wire: 0 analog, 0 alarm", result.Output, StringComparison.Ordinal);
        Assert.Contains("packs scraped with nothing sent: 18,", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Growing_descriptors_threads_and_memory_fail_the_soak()
    {
        // Twenty minutes of samples: one descriptor and one thread more every 30 s, and 1 MiB more memory every minute.
        var rows = Enumerable.Range(0, 41).Select(i => string.Join('\t',
            (1_795_988_693 + (30 * i)).ToString(CultureInfo.InvariantCulture),
            (71_264 + (512 * i)).ToString(CultureInfo.InvariantCulture),
            (208 + i).ToString(CultureInfo.InvariantCulture),
            (17 + i).ToString(CultureInfo.InvariantCulture)));
        File.WriteAllLines(Path.Combine(_run, "samples.tsv"), ["seconds\trss_kib\tfds\tthreads", .. rows]);

        var result = await CheckAsync();

        Assert.Equal(1, result.ExitCode);
        string verdict = LastLine(result);
        Assert.Contains("memory grows 1024 KiB/min over the second half", verdict, StringComparison.Ordinal);
        Assert.Contains("descriptors grow: at most 227 in the first half, 248 in the second", verdict, StringComparison.Ordinal);
        Assert.Contains("threads grow: at most 36 in the first half, 57 in the second", verdict, StringComparison.Ordinal);
    }

    private void Rewrite(string scrape, Func<string, string> change)
    {
        string path = Path.Combine(_run, "scrapes", scrape);
        var lines = File.ReadAllLines(path);
        var changed = lines.Select(change).ToArray();
        Assert.NotEqual(lines, changed);
        File.WriteAllLines(path, changed);
    }

    private async Task<ProcessResult> CheckAsync() =>
        await ProcessRunner.RunAsync("python3", [RepositoryFiles.PathOf("tests", "soak_check.py"), _run]);

    private static string LastLine(ProcessResult result) => result.Output.TrimEnd().Split('\n')[^1];
}
