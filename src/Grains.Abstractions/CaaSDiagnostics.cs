using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace CaaS.Grains.Abstractions;

/// <summary>The platform's own activity source and meter; every host listens to both (OBS-3).</summary>
public static class CaaSDiagnostics
{
    public const string SourceName = "CaaS";
    public static readonly ActivitySource ActivitySource = new(SourceName);
    public static readonly Meter Meter = new(SourceName);
}
