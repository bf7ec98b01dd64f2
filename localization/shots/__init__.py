"""Shot changes of a media file's video: a background run on the ``cpu`` queue finds the
hard cuts (PySceneDetect), the editor draws them and QA times cues to them."""
