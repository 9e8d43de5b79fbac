using System;
using System.Collections.Generic;

namespace Faustish.Analyzers.Model;

/// <summary>
/// The grammar of <c>[Join(Window = …)]</c> at compile time: <c>"5m"</c>, or <c>"before 1m after 5m"</c>, either followed
/// by <c>grace &lt;duration&gt;</c>. The runtime's <c>JoinWindow.TryParse</c> reads the same; a test keeps them agreeing.
/// </summary>
internal static class JoinWindowSpec
{
    private static readonly char[] Space = [' '];

    public static bool TryParse(string? text, out (long BeforeMs, long AfterMs, long GraceMs) window, out string? error)
    {
        window = default;
        var tokens = new List<string>((text ?? "").Split(Space, StringSplitOptions.RemoveEmptyEntries));
        long before = -1, after = -1, grace = 0;
        var i = 0;
        if (tokens.Count > 0 && tokens[0] is not ("before" or "after" or "grace"))
        {
            if (!Duration(tokens[0], out before, out error))
            {
                return false;
            }

            after = before;
            i = 1;
        }

        var symmetric = i == 1;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (; i < tokens.Count; i += 2)
        {
            var word = tokens[i];
            if (word is not ("before" or "after" or "grace") || !seen.Add(word) || (symmetric && word != "grace"))
            {
                error = $"has '{word}' where it expects {(symmetric ? "'grace'" : "'before', 'after' or 'grace', each once")}; write e.g. \"5m\", \"5m grace 1m\" or \"before 1m after 5m grace 30s\"";
                return false;
            }

            if (i + 1 >= tokens.Count)
            {
                error = $"ends with '{word}' and no duration after it";
                return false;
            }

            if (!Duration(tokens[i + 1], out var ms, out error))
            {
                return false;
            }

            if (word == "before")
            {
                before = ms;
            }
            else if (word == "after")
            {
                after = ms;
            }
            else
            {
                grace = ms;
            }
        }

        if (before < 0 || after < 0)
        {
            error = tokens.Count == 0
                ? "is empty; write e.g. \"5m\" or \"before 1m after 5m grace 30s\", or leave Window out for a table–table join"
                : "needs both 'before' and 'after' when it gives either; or write one duration for both, e.g. \"5m\"";
            return false;
        }

        error = null;
        window = (before, after, grace);
        return true;
    }

    private static bool Duration(string text, out long milliseconds, out string? error)
    {
        var ok = WindowSpec.TryParseDuration(text, out var duration, out error);
        milliseconds = ok ? (long)duration.TotalMilliseconds : 0;
        return ok;
    }
}
