"""Getting transcripts in: web sources and their registry, one parser per format, the fetch planner and fetch, file
import."""
