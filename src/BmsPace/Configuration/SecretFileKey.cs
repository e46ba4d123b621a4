using System.Text;

namespace BmsPace.Configuration;

/// <summary>
/// A file holding a secret in place of the secret's own key (<c>password_file</c> for <c>password</c>), such as a
/// Docker or systemd secret. Giving both keys is an error. Once the configuration is bound, the file is read (a
/// relative path from the configuration file's folder) and its text becomes the secret; the printout shows the file's
/// path, never its content.
/// </summary>
internal sealed class SecretFileKey<TOptions> : ConfigKey<TOptions>
    where TOptions : new()
{
    private readonly ValueKey<TOptions, string?> _path;
    private readonly Func<TOptions, string?> _get;
    private readonly Func<TOptions, string?, TOptions> _set;
    private readonly Func<TOptions, Secret, TOptions> _fill;
    private readonly string _secretName;

    /// <param name="secretName">The key the file stands in for.</param>
    /// <param name="fill">Sets that key's secret to what the file holds.</param>
    public SecretFileKey(string name, string secretName, Func<TOptions, string?> get, Func<TOptions, string?, TOptions> set, Func<TOptions, Secret, TOptions> fill, string description)
        : base(name, description)
    {
        _path = new ValueKey<TOptions, string?>(name, get, set, ConfigBinder.FilePath, path => ConfigDescriber.Quote(path!), description);
        _get = get;
        _set = set;
        _fill = fill;
        _secretName = secretName;
    }

    public override string? DocumentedDefault => _path.DocumentedDefault;

    public override Type ValueType => _path.ValueType;

    public override bool Accepts(string text) => _path.Accepts(text);

    public override TOptions Bind(ConfigBinder binder, ConfigMapping map, string path, TOptions options)
    {
        options = _path.Bind(binder, map, path, options);
        binder.RejectBoth(map, path, _secretName, Name);
        return options;
    }

    public override void Describe(StringBuilder text, TOptions options, int depth) => _path.Describe(text, options, depth);

    public override async Task<TOptions> ReadSecretFilesAsync(TOptions options, string path, string baseDirectory, List<string> errors, CancellationToken cancellationToken)
    {
        if (_get(options) is not { } file)
        {
            return options;
        }

        string fullPath = Path.GetFullPath(file, baseDirectory);
        var secret = await ReadAsync(fullPath, ConfigPath.Child(path, Name), errors, cancellationToken);
        return _fill(_set(options, fullPath), secret);
    }

    private static async Task<Secret> ReadAsync(string path, string keyPath, List<string> errors, CancellationToken cancellationToken)
    {
        try
        {
            string text = await File.ReadAllTextAsync(path, cancellationToken);

            // Editors and `echo` add a final newline that is not part of the secret.
            return new Secret(text.TrimEnd('\r', '\n'));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            errors.Add($"{keyPath}: cannot read '{path}': {e.Message}; allowed: the path of a readable file holding the secret");
            return Secret.Empty;
        }
    }
}
