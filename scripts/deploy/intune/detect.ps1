# ratwatch detection script for Microsoft Intune Remediations (Devices > Scripts and remediations).
# Runs ratwatch.exe scan --format summary and reports through the exit code:
#   exit 1  a remote-access tool was found, or ratwatch could not run (device shows "With issues")
#   exit 0  clean
# Microsoft's rules (learn.microsoft.com/mem/intune/fundamentals/remediations, "Script requirements"):
# output is capped at 2048 characters and the portal shows the last line, a remediation runs only after
# exit 1, and the file must be UTF-8 without a BOM. So this prints exactly one line, shorter than that.
# A missing or failing agent counts as an issue on purpose: removing the agent must not make a laptop clean.
# Package settings: run as system (not the logged-on user), 64-bit PowerShell, no signature check unless signed.

$MaxLine = 2047
$TimeoutSeconds = 900

function Get-ProgramFiles64 {
    # 32-bit PowerShell (the Intune default) sees "Program Files (x86)" as ProgramFiles
    if ($env:ProgramW6432) { return $env:ProgramW6432 }
    return $env:ProgramFiles
}

function ConvertTo-OneLine([string]$Text) {
    $line = ($Text -replace '[\x00-\x1f\x7f]+', ' ').Trim()
    if ($line.Length -gt $MaxLine) { $line = $line.Substring(0, $MaxLine) }
    return $line
}

function Exit-WithLine([string]$Text, [int]$Code) {
    Write-Output (ConvertTo-OneLine $Text)
    exit $Code
}

function Stop-ProcessTree($Proc) {
    # Windows PowerShell 5.1 runs on .NET Framework, whose Process.Kill() ends only that one process: the
    # collectors' child programs (powershell.exe, reg.exe, netstat.exe...) would live on. taskkill /T ends
    # the whole tree; by absolute path, so a taskkill.exe earlier on PATH is never run as SYSTEM.
    $taskkill = Join-Path $env:SystemRoot 'System32\taskkill.exe'
    try { & $taskkill /PID $Proc.Id /T /F 2>&1 | Out-Null } catch { }
    if (-not $Proc.WaitForExit(10000)) {
        try { $Proc.Kill() } catch { }
    }
}

$exe = Join-Path (Get-ProgramFiles64) 'ratwatch\ratwatch.exe'
if ($env:RATWATCH_EXE) { $exe = $env:RATWATCH_EXE }
if (-not (Test-Path -LiteralPath $exe -PathType Leaf)) {
    Exit-WithLine "ratwatch error: $exe not found" 1
}

$psi = New-Object System.Diagnostics.ProcessStartInfo
$psi.FileName = $exe
$psi.Arguments = 'scan --format summary'
$psi.UseShellExecute = $false
$psi.CreateNoWindow = $true
$psi.RedirectStandardOutput = $true
$psi.RedirectStandardError = $true
# ratwatch writes UTF-8; without this Windows PowerShell decodes with the OEM code page
$psi.StandardOutputEncoding = [System.Text.Encoding]::UTF8
$psi.StandardErrorEncoding = [System.Text.Encoding]::UTF8

try {
    $proc = [System.Diagnostics.Process]::Start($psi)
} catch {
    Exit-WithLine "ratwatch error: cannot start ${exe}: $($_.Exception.Message)" 1
}
# read both pipes while waiting, so a full stderr pipe cannot stall the scan
$stdoutTask = $proc.StandardOutput.ReadToEndAsync()
$stderrTask = $proc.StandardError.ReadToEndAsync()
if (-not $proc.WaitForExit($TimeoutSeconds * 1000)) {
    Stop-ProcessTree $proc
    Exit-WithLine "ratwatch error: scan did not finish within $TimeoutSeconds s" 1
}
$proc.WaitForExit()
$stdout = $stdoutTask.Result
$stderr = $stderrTask.Result
$code = $proc.ExitCode

$lines = @($stdout -split "`r?`n" | Where-Object { $_.Trim() -ne '' })
$summary = ''
if ($lines.Count -gt 0) { $summary = $lines[-1] }

switch ($code) {
    0 { Exit-WithLine $summary 0 }
    1 { Exit-WithLine $summary 1 }
    default {
        $errLines = @($stderr -split "`r?`n" | Where-Object { $_.Trim() -ne '' })
        $why = 'no message'
        if ($errLines.Count -gt 0) { $why = $errLines[-1] }
        Exit-WithLine "ratwatch error (exit $code): $why" 1
    }
}
