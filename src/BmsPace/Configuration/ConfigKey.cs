using System.Text;

namespace BmsPace.Configuration;

/// <summary>
/// One configuration key as <see cref="ConfigKeys"/> declares it: its name, description, default, how it is read
/// and validated, how the start-up printout shows it, and whether it is a secret. Binding, the unknown-key check,
/// <see cref="ConfigDescriber"/>, the shipped config.yaml and the README's key reference all come from these.
/// </summary>
internal abstract class ConfigKey
{
    protected ConfigKey(string name, string description)
    {
        Name = name;
        Description = description;
    }

    /// <summary>The snake_case name in config.yaml; the environment variable uses it in upper case.</summary>
    public string Name { get; }

    /// <summary>What the key means, for config.yaml's comment and the README's table (backticks mark code).</summary>
    public string Description { get; }

    /// <summary>The default as config.yaml writes it, or null when the key is unset by default.</summary>
    public abstract string? DocumentedDefault { get; }

    /// <summary>For a key that is unset by default: a value shown (commented out) in config.yaml.</summary>
    public string? Example { get; init; }

    /// <summary>The keys inside a section or a list entry; empty for a single value.</summary>
    public virtual IReadOnlyList<ConfigKey> Children => [];

    /// <summary>A list of entries, each a mapping of <see cref="Children"/> (batteries).</summary>
    public virtual bool IsList => false;

    /// <summary>The type a single value is read into; null for a section or a list.</summary>
    public virtual Type? ValueType => null;

    /// <summary>Whether the key's own parser takes <paramref name="text"/> (the add-on schema is derived from this).</summary>
    public virtual bool Accepts(string text) => false;
}

/// <summary>A key of the options record <typeparamref name="TOptions"/>.</summary>
internal abstract class ConfigKey<TOptions> : ConfigKey
{
    protected ConfigKey(string name, string description)
        : base(name, description)
    {
    }

    /// <summary>Reads the key from <paramref name="map"/> (when present) into <paramref name="options"/>, adding every problem to the binder.</summary>
    public abstract TOptions Bind(ConfigBinder binder, ConfigMapping map, string path, TOptions options);

    /// <summary>Appends the key's lines of the start-up printout (nothing for an unset optional key).</summary>
    public abstract void Describe(StringBuilder text, TOptions options, int depth);

    /// <summary>
    /// Fills the secrets whose keys name a file (<see cref="SecretFileKey{TOptions}"/>), here and below, adding every
    /// problem to <paramref name="errors"/>; the same <paramref name="options"/> when no such key is set.
    /// </summary>
    /// <param name="baseDirectory">Where a relative path is taken from: the configuration file's folder.</param>
    public virtual Task<TOptions> ReadSecretFilesAsync(TOptions options, string path, string baseDirectory, List<string> errors, CancellationToken cancellationToken) =>
        Task.FromResult(options);
}

/// <summary>A single value (or a value read from a list, such as packs) held in one property.</summary>
internal sealed class ValueKey<TOptions, TValue> : ConfigKey<TOptions>
    where TOptions : new()
{
    private readonly Func<TOptions, TValue> _get;
    private readonly Func<TOptions, TValue, TOptions> _set;
    private readonly ConfigValueReader<TValue> _read;
    private readonly Func<TValue, string> _format;

    public ValueKey(string name, Func<TOptions, TValue> get, Func<TOptions, TValue, TOptions> set, ConfigValueReader<TValue> read, Func<TValue, string> format, string description)
        : base(name, description)
    {
        _get = get;
        _set = set;
        _read = read;
        _format = format;
    }

    /// <summary>Shown as <c>&lt;secret&gt;</c> in the start-up printout when not empty.</summary>
    public bool IsSecret { get; init; }

    /// <summary>config.yaml's default when the printout's form would be longer than needed (a connection's query of defaults).</summary>
    public string? DefaultOverride { get; init; }

    public override string? DocumentedDefault => DefaultOverride ?? Format(_get(new TOptions()));

    public override Type ValueType => typeof(TValue);

    public override bool Accepts(string text)
    {
        var problems = new List<string>();
        return _read(new ConfigBinder(problems), new ConfigScalar(text, isNull: false, "probe"), Name, _get(new TOptions()), out _) && problems.Count == 0;
    }

    public override TOptions Bind(ConfigBinder binder, ConfigMapping map, string path, TOptions options)
    {
        var node = map.Get(Name);
        if (node is null)
        {
            return options;
        }

        return _read(binder, node, ConfigPath.Child(path, Name), _get(options), out var value) ? _set(options, value) : options;
    }

    public override void Describe(StringBuilder text, TOptions options, int depth)
    {
        if (Format(_get(options)) is { } value)
        {
            ConfigDescriber.Line(text, depth, Name, value);
        }
    }

    private string? Format(TValue value)
    {
        if (value is null)
        {
            return null;
        }

        string text = _format(value);

        // An empty secret is shown as empty: "no token configured" is useful to read and reveals nothing.
        return IsSecret && text != "\"\"" ? ConfigDescriber.SecretPlaceholder : text;
    }
}

/// <summary>Reads a key's node; false when it gave no value (a problem was reported, or a YAML null keeps the fallback).</summary>
internal delegate bool ConfigValueReader<TValue>(ConfigBinder binder, ConfigNode node, string keyPath, TValue fallback, out TValue value);

/// <summary>A mapping of keys held in one options record (prometheus:, influxdb:, one battery).</summary>
internal sealed class ConfigSection<TOptions>
    where TOptions : new()
{
    public ConfigSection(IReadOnlyList<ConfigKey<TOptions>> keys, SectionCheck<TOptions>? check = null)
    {
        Keys = keys;
        Check = check;
        KeyNames = [.. keys.Select(key => key.Name)];
    }

    public IReadOnlyList<ConfigKey<TOptions>> Keys { get; }

    public string[] KeyNames { get; }

    /// <summary>Rules between keys (org needed with api v2; ca_file only with mqtts), after each key is read.</summary>
    public SectionCheck<TOptions>? Check { get; }

    public TOptions Bind(ConfigBinder binder, ConfigMapping map, string path, TOptions options)
    {
        binder.RejectUnknown(map, path, KeyNames);
        foreach (var key in Keys)
        {
            options = key.Bind(binder, map, path, options);
        }

        Check?.Invoke(binder, map, path, options);
        return options;
    }

    public void Describe(StringBuilder text, TOptions options, int depth)
    {
        foreach (var key in Keys)
        {
            key.Describe(text, options, depth);
        }
    }

    public async Task<TOptions> ReadSecretFilesAsync(TOptions options, string path, string baseDirectory, List<string> errors, CancellationToken cancellationToken)
    {
        foreach (var key in Keys)
        {
            options = await key.ReadSecretFilesAsync(options, path, baseDirectory, errors, cancellationToken);
        }

        return options;
    }
}

internal delegate void SectionCheck<TOptions>(ConfigBinder binder, ConfigMapping map, string path, TOptions options);

/// <summary>A nested mapping such as <c>influxdb:</c>, held in one property of the parent options.</summary>
internal sealed class SectionKey<TOptions, TSection> : ConfigKey<TOptions>
    where TSection : new()
{
    private readonly Func<TOptions, TSection> _get;
    private readonly Func<TOptions, TSection, TOptions> _set;
    private readonly ConfigSection<TSection> _section;

    public SectionKey(string name, Func<TOptions, TSection> get, Func<TOptions, TSection, TOptions> set, ConfigSection<TSection> section, string description)
        : base(name, description)
    {
        _get = get;
        _set = set;
        _section = section;
    }

    public override string? DocumentedDefault => null;

    public override IReadOnlyList<ConfigKey> Children => _section.Keys;

    public override TOptions Bind(ConfigBinder binder, ConfigMapping map, string path, TOptions options)
    {
        var node = map.Get(Name);
        switch (node)
        {
            case null:
            case ConfigScalar { IsNull: true }:
                return options;
            case ConfigMapping section:
                return _set(options, _section.Bind(binder, section, ConfigPath.Child(path, Name), _get(options)));
            default:
                binder.Error($"{ConfigPath.Child(path, Name)}: expected a mapping of keys, found {node.KindName}; allowed: keys such as {_section.KeyNames[0]} ({node.Origin})");
                return options;
        }
    }

    public override void Describe(StringBuilder text, TOptions options, int depth)
    {
        text.Append(' ', depth * 2).Append(Name).Append(":\n");
        _section.Describe(text, _get(options), depth + 1);
    }

    public override async Task<TOptions> ReadSecretFilesAsync(TOptions options, string path, string baseDirectory, List<string> errors, CancellationToken cancellationToken)
    {
        var section = _get(options);
        var read = await _section.ReadSecretFilesAsync(section, ConfigPath.Child(path, Name), baseDirectory, errors, cancellationToken);
        return ReferenceEquals(read, section) ? options : _set(options, read);
    }
}

/// <summary>A list of mappings such as <c>batteries:</c>, at least one entry.</summary>
internal sealed class ListKey<TOptions, TItem> : ConfigKey<TOptions>
    where TItem : new()
{
    private readonly Func<TOptions, IReadOnlyList<TItem>> _get;
    private readonly Func<TOptions, IReadOnlyList<TItem>, TOptions> _set;
    private readonly ConfigSection<TItem> _item;
    private readonly ListCheck<TItem>? _check;

    public ListKey(string entryName, string name, Func<TOptions, IReadOnlyList<TItem>> get, Func<TOptions, IReadOnlyList<TItem>, TOptions> set, ConfigSection<TItem> item, ListCheck<TItem>? check, string description)
        : base(name, description)
    {
        _get = get;
        _set = set;
        _item = item;
        _check = check;
        EntryName = entryName;
    }

    public override string? DocumentedDefault => null;

    /// <summary>What one entry is called in messages ("at least one battery").</summary>
    public string EntryName { get; }

    public override IReadOnlyList<ConfigKey> Children => _item.Keys;

    public override bool IsList => true;

    public override TOptions Bind(ConfigBinder binder, ConfigMapping map, string path, TOptions options)
    {
        string keyPath = ConfigPath.Child(path, Name);
        var node = map.Get(Name);
        if (node is null || node is ConfigScalar { IsNull: true })
        {
            return options;
        }

        if (node is not ConfigSequence list)
        {
            binder.Error($"{keyPath}: expected a list, found {node.KindName}; allowed: a list of {Name}, each with {_item.KeyNames[0]} and {_item.KeyNames[1]} ({node.Origin})");
            return options;
        }

        if (list.Items.Count == 0)
        {
            binder.Error($"{keyPath}: the list is empty; allowed: at least one {EntryName} ({list.Origin})");
            return options;
        }

        var entries = new List<ListEntry<TItem>>();
        for (int index = 0; index < list.Items.Count; index++)
        {
            string itemPath = ConfigPath.Child(keyPath, index.ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (list.Items[index] is not ConfigMapping itemMap)
            {
                binder.Error($"{itemPath}: expected a mapping of keys, found {list.Items[index].KindName}; allowed: {string.Join(", ", _item.KeyNames)} ({list.Items[index].Origin})");
                continue;
            }

            entries.Add(new ListEntry<TItem>(itemMap, itemPath, _item.Bind(binder, itemMap, itemPath, new TItem())));
        }

        _check?.Invoke(binder, list, entries);
        return _set(options, [.. entries.Select(entry => entry.Options)]);
    }

    public override void Describe(StringBuilder text, TOptions options, int depth)
    {
        text.Append(' ', depth * 2).Append(Name).Append(":\n");
        foreach (var item in _get(options))
        {
            int start = text.Length;
            _item.Describe(text, item, depth + 2);

            // The first key of an entry carries the list's dash: "  - name: main".
            text.Remove(start, (depth + 2) * 2).Insert(start, new string(' ', (depth + 1) * 2) + "- ");
        }
    }

    public override async Task<TOptions> ReadSecretFilesAsync(TOptions options, string path, string baseDirectory, List<string> errors, CancellationToken cancellationToken)
    {
        var items = _get(options);
        var read = new TItem[items.Count];
        bool changed = false;
        for (int index = 0; index < items.Count; index++)
        {
            string itemPath = ConfigPath.Child(ConfigPath.Child(path, Name), index.ToString(System.Globalization.CultureInfo.InvariantCulture));
            read[index] = await _item.ReadSecretFilesAsync(items[index], itemPath, baseDirectory, errors, cancellationToken);
            changed |= !ReferenceEquals(read[index], items[index]);
        }

        return changed ? _set(options, read) : options;
    }
}

internal sealed record ListEntry<TItem>(ConfigMapping Map, string Path, TItem Options);

/// <summary>Rules across the entries of a list (each battery name once), after every entry is read.</summary>
internal delegate void ListCheck<TItem>(ConfigBinder binder, ConfigSequence list, IReadOnlyList<ListEntry<TItem>> entries);
