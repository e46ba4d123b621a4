using BmsPace.Configuration;

namespace BmsPace.Tests.Configuration;

public sealed class ConfigDescriberTests : IDisposable
{
    private readonly ConfigFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    [Fact]
    public async Task Secrets_never_appear_in_the_description()
    {
        _fixture.WriteFile("token", "tok-SECRET-from-file\n");
        _fixture.WriteFile("config.yaml", "influxdb:\n  enabled: true\n  api: v1\n  password: pw-SECRET-inline\n  token_file: token\n");

        var result = await _fixture.LoadAsync();
        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        string description = ConfigDescriber.Describe(result.Options);

        Assert.Equal("tok-SECRET-from-file", result.Options.InfluxDb.Token.Value);
        Assert.DoesNotContain("SECRET", description, StringComparison.Ordinal);
        Assert.Contains("  password: <secret>\n", description, StringComparison.Ordinal);
        Assert.Contains("  token: <secret>\n", description, StringComparison.Ordinal);
        Assert.Contains("  token_file: " + Path.Combine(_fixture.WorkingDirectory, "token") + "\n", description, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_secret_is_shown_as_empty()
    {
        string description = ConfigDescriber.Describe(new BmsPaceOptions());

        Assert.Contains("  token: \"\"\n", description, StringComparison.Ordinal);
        Assert.DoesNotContain("<secret>", description, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("good-full.yaml")]
    [InlineData("good-minimal.yaml")]
    [InlineData("python-addon.yaml")]
    public async Task The_description_is_a_config_that_loads_to_the_same_options(string fixture)
    {
        var first = await _fixture.LoadAsync(fixture);
        Assert.True(first.IsValid, string.Join("\n", first.Errors));
        string description = ConfigDescriber.Describe(first.Options);
        _fixture.WriteFile("described.yaml", description);

        var second = await ConfigLoader.LoadAsync(_fixture.Sources() with { ConfigPath = "described.yaml" }, CancellationToken.None);

        Assert.True(second.IsValid, string.Join("\n", second.Errors) + "\n" + description);
        Assert.Equal(description, ConfigDescriber.Describe(second.Options));
        Assert.Equal(first.Options.Batteries.Select(b => b.Connection), second.Options.Batteries.Select(b => b.Connection));
    }

    [Theory]
    [InlineData(60_000, "1m")]
    [InlineData(90_000, "90s")]
    [InlineData(5_000, "5s")]
    [InlineData(0, "0s")]
    [InlineData(200, "200ms")]
    [InlineData(2_500, "2500ms")]
    public void Durations_are_written_in_the_shortest_exact_form(int milliseconds, string expected)
    {
        Assert.Equal(expected, ConfigDescriber.Duration(TimeSpan.FromMilliseconds(milliseconds)));
    }
}
