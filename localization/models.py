# Media, subtitle tracks, cues and jobs arrive with the localization pipeline issues.
