using System.Globalization;
using System.Text.RegularExpressions;

namespace CaaS.Integration.Tests.Support;

/// <summary>Just enough of the Prometheus text format and of PromQL to check what a scrape holds and what a query asks for.</summary>
public static partial class Prometheus
{
    /// <summary>Every series name a scrape has a sample of (histograms as their _bucket, _sum and _count).</summary>
    public static HashSet<string> SampleNames(string scrape) =>
        [.. scrape.Split('\n').Where(line => line.Length > 0 && line[0] != '#').Select(line => SampleName().Match(line).Value).Where(name => name.Length > 0)];

    /// <summary>The value of a series for one system (a gauge, a counter), or null when the scrape has none.</summary>
    public static double? ValueOf(string scrape, string series, string system)
    {
        var line = scrape.Split('\n').FirstOrDefault(candidate => candidate.StartsWith(series + "{", StringComparison.Ordinal)
            && candidate.Contains($"system=\"{system}\"", StringComparison.Ordinal));
        // "name{labels} value [timestamp]"
        return line is null ? null : double.Parse(line[(line.LastIndexOf('}') + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
    }

    /// <summary>The distinct finite upper bounds of a histogram's buckets.</summary>
    public static SortedSet<double> BucketBounds(string scrape, string histogram) =>
        [.. scrape.Split('\n').Where(line => line.StartsWith(histogram + "_bucket{", StringComparison.Ordinal))
            .Select(line => BucketBound().Match(line).Groups[1].Value)
            .Where(bound => bound.Length > 0 && bound != "+Inf")
            .Select(bound => double.Parse(bound, CultureInfo.InvariantCulture))];

    /// <summary>The label sets of one series name, as "key=value" sets.</summary>
    public static IEnumerable<HashSet<string>> LabelSets(string scrape, string series) =>
        scrape.Split('\n').Where(line => line.StartsWith(series + "{", StringComparison.Ordinal))
            .Select(line => LabelPair().Matches(line[(series.Length + 1)..line.IndexOf('}', StringComparison.Ordinal)])
                .Select(match => $"{match.Groups[1].Value}={match.Groups[2].Value}").ToHashSet());

    /// <summary>
    /// The metric names a PromQL expression reads: what is left once strings, label matchers, range
    /// and offset durations, grouping clauses, numbers, functions and keywords are taken out.
    /// </summary>
    public static HashSet<string> MetricsIn(string expression)
    {
        var bare = QuotedString().Replace(expression, "\"\"");
        bare = LabelMatchers().Replace(bare, " ");
        bare = RangeSelector().Replace(bare, " ");
        bare = Grouping().Replace(bare, " ");
        bare = Offset().Replace(bare, " ");
        return [.. Identifier().Matches(bare)
            .Where(match => !IsCall(bare, match) && !Keywords.Contains(match.Value) && !char.IsAsciiDigit(match.Value[0]))
            .Select(match => match.Value)];
    }

    private static readonly HashSet<string> Keywords = ["by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "bool", "offset", "inf", "nan"];

    private static bool IsCall(string text, Match match)
    {
        var next = match.Index + match.Length;
        while (next < text.Length && text[next] == ' ')
        {
            next++;
        }

        return next < text.Length && text[next] == '(';
    }

    [GeneratedRegex(@"^[a-zA-Z_:][a-zA-Z0-9_:]*")]
    private static partial Regex SampleName();

    [GeneratedRegex(@"le=""([^""]+)""")]
    private static partial Regex BucketBound();

    [GeneratedRegex(@"([a-zA-Z_][a-zA-Z0-9_]*)=""([^""]*)""")]
    private static partial Regex LabelPair();

    [GeneratedRegex(@"""(?:[^""\\]|\\.)*""|'(?:[^'\\]|\\.)*'")]
    private static partial Regex QuotedString();

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex LabelMatchers();

    [GeneratedRegex(@"\[[^\]]*\]")]
    private static partial Regex RangeSelector();

    [GeneratedRegex(@"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")]
    private static partial Regex Grouping();

    [GeneratedRegex(@"\boffset\s+-?[0-9a-z]+")]
    private static partial Regex Offset();

    [GeneratedRegex(@"[a-zA-Z_:][a-zA-Z0-9_:]*")]
    private static partial Regex Identifier();
}
