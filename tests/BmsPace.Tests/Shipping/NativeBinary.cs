using System.Text.RegularExpressions;

namespace BmsPace.Tests.Shipping;

/// <summary>
/// What a published native executable needs from the machine it runs on, read with binutils (readelf, objdump)
/// rather than by running it: the arm64 build cannot run here (.NET hangs under Debian's qemu-user-static).
/// </summary>
internal static partial class NativeBinary
{
    public const ushort X64 = 0x3E;
    public const ushort Aarch64 = 0xB7;

    /// <summary>The libraries of glibc itself that a NativeAOT executable may need: libc, libm and the loader.</summary>
    public static readonly IReadOnlySet<string> GlibcLibraries = new HashSet<string>(StringComparer.Ordinal)
    {
        "libc.so.6", "libm.so.6", "ld-linux-x86-64.so.2", "ld-linux-aarch64.so.1",
    };

    /// <summary>Debian 12 and Raspberry Pi OS bookworm ship glibc 2.36.</summary>
    public static readonly Version OldestTargetGlibc = new(2, 36);

    /// <summary>The ELF machine field (e_machine), or throws when the file is no ELF file.</summary>
    public static async Task<ushort> MachineAsync(string path)
    {
        var header = new byte[20];
        await using (var file = File.OpenRead(path))
        {
            await file.ReadExactlyAsync(header);
        }

        Assert.True("\u007fELF"u8.SequenceEqual(header.AsSpan(0, 4)), $"{path} is not an ELF file");
        return BitConverter.ToUInt16(header, 18);
    }

    /// <summary>The DT_NEEDED entries of the dynamic section (readelf -d).</summary>
    public static async Task<IReadOnlyList<string>> NeededLibrariesAsync(string path)
    {
        var result = await ExternalTool.RunAsync(ExternalTool.Require("readelf", "the Debian package binutils"), ["-d", "-W", path], TimeSpan.FromMinutes(1));
        Assert.True(result.ExitCode == 0, result.Transcript);
        return NeededLine().Matches(result.StandardOutput).Select(m => m.Groups[1].Value).ToList();
    }

    /// <summary>The newest GLIBC_x.y symbol version the dynamic symbols ask for (objdump -T of the file's architecture).</summary>
    public static async Task<Version> NewestGlibcVersionAsync(string path, ushort machine)
    {
        var objdump = machine == Aarch64
            ? ExternalTool.Require("aarch64-linux-gnu-objdump", "the Debian package binutils-aarch64-linux-gnu")
            : ExternalTool.Require("objdump", "the Debian package binutils");
        var result = await ExternalTool.RunAsync(objdump, ["-T", path], TimeSpan.FromMinutes(1));
        Assert.True(result.ExitCode == 0, result.Transcript);
        var versions = GlibcVersion().Matches(result.StandardOutput).Select(m => Version.Parse(m.Groups[1].Value)).ToList();
        Assert.True(versions.Count > 0, $"objdump -T shows no GLIBC symbol versions in {path}:\n{result.StandardOutput}");
        return versions.Max()!;
    }

    /// <summary>Checks one published native file: its architecture, glibc-only dependencies and the glibc it needs.</summary>
    public static async Task AssertRunsOnBookwormAsync(string path, ushort machine)
    {
        Assert.Equal(machine, await MachineAsync(path));

        var needed = await NeededLibrariesAsync(path);
        Assert.Contains("libc.so.6", needed);
        var foreign = needed.Where(library => !GlibcLibraries.Contains(library)).ToList();
        Assert.True(foreign.Count == 0, $"{Path.GetFileName(path)} needs libraries beyond glibc: {string.Join(", ", foreign)}");

        var newest = await NewestGlibcVersionAsync(path, machine);
        Assert.True(newest <= OldestTargetGlibc, $"{Path.GetFileName(path)} needs GLIBC_{newest}, newer than bookworm's {OldestTargetGlibc}");
    }

    [GeneratedRegex(@"\(NEEDED\)\s+Shared library: \[([^\]]+)\]")]
    private static partial Regex NeededLine();

    [GeneratedRegex(@"GLIBC_(\d+\.\d+(?:\.\d+)?)")]
    private static partial Regex GlibcVersion();
}
