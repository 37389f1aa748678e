process.stderr.write("metadata-service: not built yet\n");
process.exit(254);
