using BmsPace.Protocol.Dialects;

namespace BmsPace.Tests;

/// <summary>The built-in dialects the tests name, found in the registry by their protocol name.</summary>
internal static class KnownDialects
{
    public static IBmsDialect Pace { get; } = Named("pace");

    public static IBmsDialect Eg4 { get; } = Named("eg4");

    public static IBmsDialect Seplos { get; } = Named("seplos");

    public static IBmsDialect Pylontech { get; } = Named("pylontech");

    private static IBmsDialect Named(string name) => BmsDialects.BuiltIn.Single(d => d.Name == name);
}
