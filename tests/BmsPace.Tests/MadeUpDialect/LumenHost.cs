using BmsPace.Commands;
using BmsPace.Protocol.Dialects;

namespace BmsPace.Tests.MadeUpDialect;

/// <summary>
/// bmspace as a host built outside src would ship it: the built-in dialects plus one of its own, composed the way
/// Program.cs composes the built-in ones. The tests run this assembly as that program (<c>dotnet exec</c>).
/// </summary>
internal static class LumenHost
{
    public static async Task<int> Main(string[] args)
    {
        BmsDialects.Compose([.. BmsDialects.BuiltIn, new LumenDialect()]);
        return await BmsPaceCli.InvokeAsync(args);
    }
}
